import fs from 'node:fs';
import path from 'node:path';
import { validate } from 'dockerfile-utils';
import { TRAINER_JOB_TEMPLATE } from '../src/training/executors/kubernetes-job-template';

/**
 * The images cannot be built here (no Docker engine), so they are linted (dockerfile-utils, the
 * Docker language server's validator) and checked for the properties the deployment relies on.
 */
const ROOT = path.resolve(__dirname, '..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const pkg = JSON.parse(read('package.json')) as { optionalDependencies: Record<string, string> };

interface Instruction { keyword: string; args: string }

/** Instructions with line continuations joined and comments dropped. */
function instructions(text: string): Instruction[] {
  return text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ keyword: l.split(/\s+/)[0].toUpperCase(), args: l.slice(l.split(/\s+/)[0].length).trim() }));
}

/** Resolves `FROM ${ARG}` to the ARG's default. */
function baseImages(list: Instruction[]): string[] {
  const args = new Map(list.filter((i) => i.keyword === 'ARG' && i.args.includes('=')).map((i) => i.args.split('=', 2) as [string, string]));
  return list.filter((i) => i.keyword === 'FROM').map((i) => i.args.split(/\s+/)[0].replace(/^\$\{(\w+)\}$/, (_, a: string) => args.get(a) ?? a));
}

/** The instructions of the last stage. */
function finalStage(list: Instruction[]): Instruction[] {
  const last = list.map((i) => i.keyword).lastIndexOf('FROM');
  return list.slice(last);
}

describe.each(['Dockerfile', 'Dockerfile.trainer'])('%s', (file) => {
  const text = read(file);
  const list = instructions(text);

  it('lints clean', () => {
    expect(validate(text)).toEqual([]);
  });

  it('is multi-stage, from pinned base images (a version tag, never latest)', () => {
    const images = baseImages(list);
    expect(images.length).toBeGreaterThanOrEqual(3);
    for (const image of images.filter((i) => i.includes(':') || i.includes('/'))) {
      expect(image).toMatch(/:[^:]*\d+\.\d+[^:]*$/);
      expect(image).not.toMatch(/:latest$/);
    }
  });

  it('runs as uid 1000 (the pods\' runAsUser), with production dependencies only and no secrets baked in', () => {
    const final = finalStage(list);
    expect(final.filter((i) => i.keyword === 'USER').map((i) => i.args)).toEqual(['1000:1000']);
    expect(list.some((i) => i.keyword === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args))).toBe(true);
    expect(final.some((i) => i.keyword === 'RUN' && /npm (ci|install)\b/.test(i.args))).toBe(false);
    for (const i of list.filter((x) => x.keyword === 'ENV' || x.keyword === 'ARG')) expect(i.args).not.toMatch(/SECRET|TOKEN|PASSWORD|API_KEY|DATABASE_URL/i);
    expect(list.some((i) => i.keyword === 'COPY' && /\.env\b/.test(i.args))).toBe(false);
  });
});

describe('the images and the manifests agree', () => {
  it('the API image serves by default; the Deployment and the migration Job choose serve and migrate', () => {
    const final = finalStage(instructions(read('Dockerfile')));
    expect(final.find((i) => i.keyword === 'ENTRYPOINT')!.args).toBe('["node", "dist/src/main.js"]');
    expect(final.find((i) => i.keyword === 'CMD')!.args).toBe('["serve"]');
    expect(final.find((i) => i.keyword === 'WORKDIR')!.args).toBe('/app');
  });

  it('the trainer image runs the trainer subcommand the Job template names, on CUDA matching tfjs-node-gpu', () => {
    const list = instructions(read('Dockerfile.trainer'));
    const final = finalStage(list);
    expect(final.find((i) => i.keyword === 'CMD')!.args).toBe('["trainer"]');
    expect(final.find((i) => i.keyword === 'WORKDIR')!.args).toBe('/app');
    expect(TRAINER_JOB_TEMPLATE.spec!.template.spec!.containers[0].command).toEqual(['node', 'dist/src/main.js', 'trainer']);
    // tfjs-node-gpu 4.x loads libtensorflow 2.9.1: CUDA 11.2 with cuDNN 8 (TensorFlow's tested configurations).
    expect(pkg.optionalDependencies['@tensorflow/tfjs-node-gpu']).toMatch(/^4\./);
    expect(baseImages(list).at(-1)).toMatch(/^nvidia\/cuda:11\.2\.\d+-cudnn8-runtime-/);
  });

  it('.dockerignore keeps local state and secrets out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['.env', 'node_modules', 'data', '.git', 'dist']) expect(ignored).toContain(entry);
  });

  it('the linter does catch a broken Dockerfile', () => {
    expect(validate('FROM node:20 AS build\nEXPOSE notaport\nUSER\n').length).toBeGreaterThan(0);
  });
});

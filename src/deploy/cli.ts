#!/usr/bin/env node
/**
 * Operator tooling for k8s/ (npm scripts k8s:render, k8s:validate, k8s:templates):
 *   render <overlay>          print the overlay's objects as one YAML stream (kubectl apply -f -)
 *   validate [<overlay>...]   render and validate every object (default: every overlay)
 *   templates [--check]       regenerate the trainer Job templates from src/ (or check they are current)
 * Overlay paths are taken relative to the current directory, then to k8s/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { renderKustomization } from './kustomize';

export const K8S_DIR = path.resolve(__dirname, __filename.endsWith('.ts') ? '../../k8s' : '../../../k8s');

export function resolveOverlay(arg: string): string {
  if (fs.existsSync(arg)) return path.resolve(arg);
  const inK8s = path.join(K8S_DIR, arg);
  if (fs.existsSync(inK8s)) return inK8s;
  throw new Error(`no kustomization at ${arg} (nor at k8s/${arg})`);
}

export function overlays(): string[] {
  const dir = path.join(K8S_DIR, 'overlays');
  return fs.readdirSync(dir).sort().map((d) => path.join(dir, d)).filter((d) => fs.existsSync(path.join(d, 'kustomization.yaml')));
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'render' && args.length === 1) {
    const objects = renderKustomization(resolveOverlay(args[0]));
    process.stdout.write(objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
    return 0;
  }
  if (command === 'validate') {
    const { validateOverlay } = await import('./manifest-validator');
    const dirs = args.filter((a) => !a.startsWith('--'));
    let failed = 0;
    for (const dir of dirs.length ? dirs.map(resolveOverlay) : overlays()) {
      const { objects, errors } = await validateOverlay(dir);
      const name = path.relative(process.cwd(), dir) || dir;
      if (errors.length) {
        failed++;
        process.stdout.write(`${name}: ${errors.length} problem(s) in ${objects} objects\n${errors.map((e) => `  ${e}`).join('\n')}\n`);
      } else {
        process.stdout.write(`${name}: ${objects} objects valid\n`);
      }
    }
    return failed ? 1 : 0;
  }
  if (command === 'templates') {
    const { writeTrainerTemplates } = await import('./trainer-templates');
    const stale = writeTrainerTemplates(K8S_DIR, { check: args.includes('--check') });
    if (stale.length) process.stdout.write(`out of date: ${stale.join(', ')} (run npm run k8s:templates)\n`);
    return stale.length && args.includes('--check') ? 1 : 0;
  }
  process.stderr.write('usage: cli.js render <overlay> | validate [<overlay>...] | templates [--check]\n');
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

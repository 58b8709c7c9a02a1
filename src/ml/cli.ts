/**
 * Offline CLI (wired into `src/main.ts` by the entry point):
 *
 *   tuneforge train   --task T --data FILE [--eval FILE] --out DIR [--hp JSON] [--set k=v ...]
 *                     [--validation-split 0.05] [--split-seed 0] [--resume]
 *   tuneforge eval    --model DIR --data FILE [--train FILE]
 *   tuneforge predict --model DIR (--user ID [--limit 10] | --text TEXT ... | --input FILE)
 *
 * `train` holds out `--validation-split` of the training rows (seeded) for early
 * stopping, evaluates the best weights on `--eval` (or on a seeded 20 % split when no
 * eval file is given) and writes the artifact to DIR, with checkpoints under
 * DIR/checkpoints (`--resume` continues from the newest one). Results go to stdout as
 * JSON; progress goes to stderr.
 */
import * as path from 'path';
import { readArtifact, readMetadata, writeArtifact } from './artifact';
import { initBackend } from './backend';
import { readRows } from './data-files';
import { createRng } from './random';
import { getTask, isTaskName } from './registry';
import { DirectoryStorage } from './storage';
import { isMlError, type AnyPredictor, type AnyRow, type Progress, type TaskName } from './task';
import { evaluateArtifact, latestCheckpoint, resume, train, type TrainData } from './train';

type Flags = Record<string, string[]>;

function parseFlags(argv: string[]): { positional: string[]; flags: Flags } {
  const positional: string[] = [];
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const [k, v] = eq > 0 ? [a.slice(2, eq), a.slice(eq + 1)] : [a.slice(2), argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true'];
      (flags[k] ??= []).push(v);
    } else positional.push(a);
  }
  return { positional, flags };
}

class UsageError extends Error {}

function one(flags: Flags, name: string, fallback?: string): string {
  const v = flags[name]?.[flags[name].length - 1] ?? fallback;
  if (v === undefined) throw new UsageError(`missing --${name}`);
  return v;
}

const USAGE = `usage:
  tuneforge train   --task recommendation|classification|translation|summarization --data FILE [--eval FILE] --out DIR
                    [--hp '{"epochs":10}'] [--set key=value ...] [--validation-split 0.05] [--split-seed 0] [--resume]
  tuneforge eval    --model DIR --data FILE [--train FILE]
  tuneforge predict --model DIR (--user ID [--limit 10] | --text TEXT ... | --input FILE)`;

function progressBar(out: NodeJS.WriteStream): (p: Progress) => void {
  return (p) => {
    const width = 30;
    const frac = p.totalSteps ? p.step / p.totalSteps : 0;
    const filled = Math.round(frac * width);
    const eta = p.etaSeconds === null ? '--' : `${Math.round(p.etaSeconds)}s`;
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% epoch ${p.epoch}/${p.totalEpochs} step ${p.step}/${p.totalSteps} eta ${eta}`;
    out.write(out.isTTY ? `\r${line}` : `${line}\n`);
  };
}

function parseValue(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** Seeded split of rows into two parts (`fraction` to the second). */
export function splitRows<T>(rows: T[], fraction: number, seed: number): [T[], T[]] {
  const idx = createRng(seed).shuffle(rows.map((_, i) => i));
  const n = Math.round(rows.length * fraction);
  const second = new Set(idx.slice(0, n));
  return [rows.filter((_, i) => !second.has(i)), rows.filter((_, i) => second.has(i))];
}

function dedupe(rows: AnyRow[]): AnyRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = JSON.stringify(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

async function cmdTrain(flags: Flags, out: (s: string) => void, err: NodeJS.WriteStream): Promise<void> {
  const task = one(flags, 'task');
  if (!isTaskName(task)) throw new UsageError(`unknown task "${task}"`);
  getTask(task);
  const outDir = path.resolve(one(flags, 'out'));
  const hp: Record<string, unknown> = flags.hp ? (JSON.parse(one(flags, 'hp')) as Record<string, unknown>) : {};
  for (const kv of flags.set ?? []) {
    const eq = kv.indexOf('=');
    if (eq < 1) throw new UsageError(`--set expects key=value, got "${kv}"`);
    hp[kv.slice(0, eq)] = parseValue(kv.slice(eq + 1));
  }
  const splitSeed = Number(one(flags, 'split-seed', '0'));
  let all = readRows(task, path.resolve(one(flags, 'data')));
  let test: AnyRow[];
  if (flags.eval) test = readRows(task, path.resolve(one(flags, 'eval')));
  else {
    all = dedupe(all);
    [all, test] = splitRows(all, 0.2, splitSeed);
  }
  const [trainRows, validation] = splitRows(all, Number(one(flags, 'validation-split', '0.05')), splitSeed + 1);
  const data: TrainData<AnyRow> = { train: trainRows, validation, test };
  const storage = new DirectoryStorage(outDir);
  const callbacks = { onProgress: progressBar(err), onLog: (m: string) => err.write(`${m}\n`) };
  await initBackend(undefined, callbacks.onLog);
  err.write(`${task}: ${trainRows.length} train, ${validation.length} validation, ${test.length} test rows\n`);
  const resumeFrom = flags.resume ? await latestCheckpoint(storage) : null;
  const result = resumeFrom
    ? await resume({ storage, key: resumeFrom }, data, callbacks)
    : await train({ task: task as TaskName, hyperparameters: hp, storage }, data, callbacks);
  if (!err.isTTY) err.write('\n');
  else err.write('\n');
  await writeArtifact(storage, '', result.artifact);
  out(JSON.stringify({
    out: outDir, task, backend: result.metadata.backend, seconds: Number(result.seconds.toFixed(2)), epochs: result.epochsRun, steps: result.steps,
    stoppedEarly: result.stoppedEarly, examplesPerSecond: Math.round(result.examplesPerSecond),
    [result.evaluationSplit]: result.evaluation.metrics, baseline: result.baseline, params: result.metadata.params,
    hyperparameters: result.metadata.hyperparameters,
  }, null, 2));
}

async function loadModel(flags: Flags) {
  const dir = path.resolve(one(flags, 'model'));
  const files = await readArtifact(new DirectoryStorage(dir), '');
  return { files, meta: readMetadata(files) };
}

async function cmdEval(flags: Flags, out: (s: string) => void): Promise<void> {
  const { files, meta } = await loadModel(flags);
  const rows = readRows(meta.task, path.resolve(one(flags, 'data')));
  const trainRows = flags.train ? readRows(meta.task, path.resolve(one(flags, 'train'))) : [];
  const { evaluation, baseline } = await evaluateArtifact(files, trainRows, rows);
  out(JSON.stringify({ task: meta.task, rows: rows.length, metrics: evaluation.metrics, baseline, details: evaluation.details }, null, 2));
}

async function cmdPredict(flags: Flags, out: (s: string) => void): Promise<void> {
  const { files, meta } = await loadModel(flags);
  await initBackend(undefined, () => undefined);
  const module = getTask(meta.task);
  const state = await module.deserialize(files, meta.hyperparameters);
  try {
    const p = module.predictor(state) as AnyPredictor;
    const texts = flags.text ?? (flags.input ? (await import('fs')).readFileSync(path.resolve(one(flags, 'input')), 'utf8').split(/\r?\n/).filter(Boolean) : []);
    switch (p.task) {
      case 'recommendation':
        out(JSON.stringify(await p.recommend(one(flags, 'user'), Number(one(flags, 'limit', '10'))), null, 2));
        break;
      case 'classification':
        out(JSON.stringify(await p.classify(texts), null, 2));
        break;
      case 'translation':
        out(JSON.stringify(await p.translate(texts), null, 2));
        break;
      case 'summarization':
        out(JSON.stringify(await p.summarize(texts), null, 2));
        break;
    }
  } finally {
    module.dispose(state);
  }
}

/**
 * Runs `train | eval | predict` with the arguments after the program name. Returns the
 * exit code; errors are printed as one line (`error [CODE]: message`), never a stack.
 */
export async function runMlCli(argv: string[], io: { out?: (s: string) => void; err?: NodeJS.WriteStream } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const err = io.err ?? process.stderr;
  const { positional, flags } = parseFlags(argv);
  try {
    switch (positional[0]) {
      case 'train':
        await cmdTrain(flags, out, err);
        return 0;
      case 'eval':
        await cmdEval(flags, out);
        return 0;
      case 'predict':
        await cmdPredict(flags, out);
        return 0;
      default:
        err.write(`${USAGE}\n`);
        return 2;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`error: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (isMlError(e)) {
      err.write(`error [${e.code}]${e.field ? ` ${e.field}` : ''}: ${e.message}\n`);
      return 1;
    }
    err.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  runMlCli(process.argv.slice(2)).then((code) => process.exit(code));
}

/**
 * ML benchmark: `npm run bench:ml [-- --quick] [-- --only=recommendation,classification]
 * [-- --classification-hp='{"architecture":"bag"}']`.
 *
 * Reproduces the quality table on the shared datasets (one row per task bench), the
 * training throughput per available backend, and the overhead of our training loop
 * against a bare `model.fit` of the same matrix-factorisation model. Prints a Markdown
 * table for docs/BENCHMARKS.md (`## ML`) and a JSON line per result.
 *
 * Other tasks plug in by adding a {@link TaskBench} to `TASK_BENCHES` below.
 */
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { activeBackend, availableBackends, initBackend, switchBackend } from '../src/ml/backend';
import { datasetsDir, phraseBankSplit, readRows } from '../src/ml/data-files';
import { splitRows } from '../src/ml/cli';
import { gatherRows } from '../src/ml/ops';
import { createRng } from '../src/ml/random';
import type { ClassificationRow, RecommendationRow } from '../src/ml/task';
import { train } from '../src/ml/train';
import { summarizationBench, translationBench } from './ml-text.bench';

export interface BenchOptions {
  quick: boolean;
  datasets: string;
  log: (msg: string) => void;
}

export interface BenchRow {
  task: string;
  data: string;
  metrics: Record<string, number>;
  baseline: Record<string, number>;
  /** Target text for the table, e.g. "RMSE ≤ 0.93". */
  target: string;
  seconds: number;
  examplesPerSecond: number;
  backend: string;
  hyperparameters: Record<string, unknown>;
}

export interface TaskBench {
  task: string;
  run(opts: BenchOptions): Promise<BenchRow[]>;
}

function pick(hp: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in hp).map((k) => [k, hp[k]]));
}

export const recommendationBench: TaskBench = {
  task: 'recommendation',
  async run({ quick, datasets, log }) {
    const dir = path.join(datasets, 'movielens-100k');
    let all = readRows('recommendation', path.join(dir, 'u1.base')) as RecommendationRow[];
    let test = readRows('recommendation', path.join(dir, 'u1.test')) as RecommendationRow[];
    if (quick) {
      all = all.filter((r) => Number(r.userId) <= 300);
      test = test.filter((r) => Number(r.userId) <= 300);
    }
    const [trainRows, validation] = splitRows(all, 0.05, 1);
    const hp = quick ? { epochs: 5 } : {};
    const r = await train({ task: 'recommendation', hyperparameters: hp }, { train: trainRows, validation, test }, { onLog: log });
    return [{
      task: 'recommendation', data: quick ? 'ML-100K u1 (users ≤ 300)' : 'ML-100K u1.base → u1.test', target: 'RMSE ≤ 0.93 (aim ≤ 0.905)',
      metrics: r.evaluation.metrics, baseline: r.baseline, seconds: r.seconds, examplesPerSecond: r.examplesPerSecond, backend: activeBackend(),
      hyperparameters: { ...pick(r.metadata.hyperparameters, ['mode', 'factors', 'l2', 'biasL2', 'epochs', 'batchSize', 'learningRate', 'optimizer', 'earlyStoppingPatience']), bestEpoch: r.metadata.bestEpoch },
    }];
  },
};

/** Hyperparameters over the classification defaults, from `--classification-hp='{"architecture":"bag"}'`. */
const classificationHp: Record<string, unknown> = JSON.parse(process.argv.find((a) => a.startsWith('--classification-hp='))?.slice(20) ?? '{}');

export const classificationBench: TaskBench = {
  task: 'classification',
  async run({ quick, datasets, log }) {
    const rng = createRng(0);
    const split = phraseBankSplit(datasets, (xs) => rng.shuffle(xs));
    let all = split.train as ClassificationRow[];
    let test = split.test as ClassificationRow[];
    if (quick) {
      all = all.slice(0, 1500);
      test = test.slice(0, 400);
    }
    const [trainRows, validation] = splitRows(all, 0.1, 1);
    const hp = { ...(quick ? { epochs: 4 } : {}), ...classificationHp };
    const r = await train({ task: 'classification', hyperparameters: hp }, { train: trainRows, validation, test }, { onLog: log });
    return [{
      task: 'classification', data: quick ? 'PhraseBank 50% (1,500 train)' : 'PhraseBank 50% agree, dedup, seeded 80/20', target: 'accuracy ≥ 0.75 (aim 0.80 / F1 0.75)',
      metrics: pick(r.evaluation.metrics, ['accuracy', 'macroF1']) as Record<string, number>, baseline: pick(r.baseline, ['accuracy', 'macroF1']) as Record<string, number>,
      seconds: r.seconds, examplesPerSecond: r.examplesPerSecond, backend: activeBackend(),
      hyperparameters: { ...pick(r.metadata.hyperparameters, ['architecture', 'embeddingSize', 'hiddenSize', 'buckets', 'dropout', 'classWeighting', 'labelSmoothing', 'skipWindow', 'negationScope', 'numberComparisons', 'epochs', 'batchSize', 'learningRate']), bestEpoch: r.metadata.bestEpoch },
    }];
  },
};

/** Every task bench; the text tasks add theirs here. */
export const TASK_BENCHES: TaskBench[] = [
  recommendationBench,
  classificationBench,
  translationBench,
  summarizationBench,
];

/** An embedding table as a Layers layer whose gradient works on wasm (gather + scatterND). */
class GatherEmbedding extends tf.layers.Layer {
  static className = 'GatherEmbedding';
  private table!: tf.LayerVariable;
  constructor(private readonly rows: number, private readonly width: number) {
    super({});
  }
  build(): void {
    this.table = this.addWeight('table', [this.rows, this.width], 'float32', tf.initializers.randomNormal({ stddev: 0.05, seed: 1 }));
    this.built = true;
  }
  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    return [s[0], this.width];
  }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => gatherRows(this.table.read(), x.reshape([-1]).toInt() as tf.Tensor1D));
  }
}

/** Our loop vs a bare `model.fit` of the same MF model (no regularisation, same batches per epoch). */
async function loopOverhead(rows: RecommendationRow[], epochs: number, log: (m: string) => void): Promise<Record<string, number>> {
  const batchSize = 1024, k = 32;
  const hp = { epochs, batchSize, factors: k, l2: 0, biasL2: 0, learningRate: 0.003, earlyStoppingPatience: 0 };
  const tiny = rows.slice(0, 200);
  const ours = await train({ task: 'recommendation', hyperparameters: hp }, { train: rows, validation: tiny, test: tiny }, {});
  const users = [...new Set(rows.map((r) => r.userId))].sort();
  const items = [...new Set(rows.map((r) => r.itemId))].sort();
  const ui = new Map(users.map((u, i) => [u, i])), ii = new Map(items.map((u, i) => [u, i]));
  const mean = rows.reduce((a, r) => a + r.rating, 0) / rows.length;
  const uIn = tf.input({ shape: [1], dtype: 'int32' }), iIn = tf.input({ shape: [1], dtype: 'int32' });
  const pu = new GatherEmbedding(users.length, k).apply(uIn) as tf.SymbolicTensor;
  const qi = new GatherEmbedding(items.length, k).apply(iIn) as tf.SymbolicTensor;
  const bu = new GatherEmbedding(users.length, 1).apply(uIn) as tf.SymbolicTensor;
  const bi = new GatherEmbedding(items.length, 1).apply(iIn) as tf.SymbolicTensor;
  const dot = tf.layers.dot({ axes: 1 }).apply([pu, qi]) as tf.SymbolicTensor;
  const out = tf.layers.add().apply([dot, bu, bi]) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [uIn, iIn], outputs: out });
  model.compile({ optimizer: tf.train.adam(0.003), loss: 'meanSquaredError' });
  const u = tf.tensor2d(rows.map((r) => ui.get(r.userId)!), [rows.length, 1], 'int32');
  const i = tf.tensor2d(rows.map((r) => ii.get(r.itemId)!), [rows.length, 1], 'int32');
  const y = tf.tensor2d(rows.map((r) => r.rating - mean), [rows.length, 1]);
  const t0 = performance.now();
  await model.fit([u, i], y, { epochs, batchSize, shuffle: true, verbose: 0 });
  const fitSeconds = (performance.now() - t0) / 1000;
  tf.dispose([u, i, y]);
  model.dispose();
  const fitEps = (rows.length * epochs) / fitSeconds;
  const overhead = fitEps / ours.examplesPerSecond - 1;
  log(`loop overhead: ours ${ours.examplesPerSecond.toFixed(0)} ex/s vs model.fit ${fitEps.toFixed(0)} ex/s → ${(overhead * 100).toFixed(1)}%`);
  return { oursExamplesPerSecond: ours.examplesPerSecond, fitExamplesPerSecond: fitEps, overhead };
}

async function throughput(rows: RecommendationRow[], cls: ClassificationRow[], quick: boolean, log: (m: string) => void): Promise<Array<Record<string, string | number>>> {
  const out: Array<Record<string, string | number>> = [];
  for (const b of availableBackends()) {
    const pref = b === 'tensorflow-gpu' ? 'node-gpu' : b === 'tensorflow' ? 'node' : b;
    await switchBackend(pref, log);
    const recRows = b === 'cpu' || quick ? rows.slice(0, 20_000) : rows;
    const rec = await train({ task: 'recommendation', hyperparameters: { epochs: 1, earlyStoppingPatience: 0 } }, { train: recRows, validation: recRows.slice(0, 100) }, {});
    const clsRows = b === 'cpu' || quick ? cls.slice(0, 800) : cls;
    const c = await train({ task: 'classification', hyperparameters: { epochs: 1, earlyStoppingPatience: 0 } }, { train: clsRows, validation: clsRows.slice(0, 50) }, {});
    out.push({ backend: b, recommendation: Math.round(rec.examplesPerSecond), classification: Math.round(c.examplesPerSecond) });
  }
  await switchBackend('wasm', log);
  return out;
}

function fmt(m: Record<string, number>): string {
  return Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const datasets = datasetsDir();
  if (!datasets) {
    log('shared/datasets not found (set TUNEFORGE_DATASETS): nothing to benchmark');
    return;
  }
  await initBackend(undefined, log);
  const rows: BenchRow[] = [];
  for (const b of TASK_BENCHES) {
    if (only && !only.includes(b.task)) continue;
    log(`== ${b.task}`);
    const r = await b.run({ quick, datasets, log });
    for (const x of r) process.stdout.write(`${JSON.stringify(x)}\n`);
    rows.push(...r);
  }
  const ml = readRows('recommendation', path.join(datasets, 'movielens-100k', 'u1.base')) as RecommendationRow[];
  const rng = createRng(0);
  const pb = phraseBankSplit(datasets, (xs) => rng.shuffle(xs)).train as ClassificationRow[];
  let tput: Array<Record<string, string | number>> = [];
  let overhead: Record<string, number> = {};
  if (!only) {
    log('== throughput per backend');
    tput = await throughput(ml, pb, quick, log);
    log('== loop overhead vs model.fit');
    overhead = await loopOverhead(quick ? ml.slice(0, 20_000) : ml, quick ? 2 : 5, log);
  }

  const lines: string[] = [];
  lines.push(`Machine: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, tfjs ${tf.version.tfjs}, ${quick ? 'quick mode' : 'full run'}.`, '');
  lines.push('| task | data | result (test) | baseline | target | time | backend | hyperparameters |', '|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    lines.push(`| ${r.task} | ${r.data} | ${fmt(r.metrics)} | ${fmt(r.baseline)} | ${r.target} | ${r.seconds.toFixed(1)} s | ${r.backend} | \`${JSON.stringify(r.hyperparameters)}\` |`);
  }
  if (tput.length) {
    lines.push('', '| backend | recommendation examples/s | classification examples/s |', '|---|---|---|');
    for (const t of tput) lines.push(`| ${t.backend} | ${t.recommendation} | ${t.classification} |`);
  }
  if (overhead.overhead !== undefined) {
    lines.push('', `Loop overhead vs bare \`model.fit\` (MF, k=32, batch 1024): ours ${overhead.oursExamplesPerSecond.toFixed(0)} ex/s, model.fit ${overhead.fitExamplesPerSecond.toFixed(0)} ex/s → ${(overhead.overhead * 100).toFixed(1)}% (negative = ours faster).`);
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}

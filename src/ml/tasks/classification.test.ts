import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { datasetsDir, phraseBankSplit } from '../data-files';
import { createRng } from '../random';
import { type ClassificationRow } from '../task';
import { train } from '../train';
import { classificationTask } from './classification';

const DIR = datasetsDir();
const maybe = DIR ? describe : describe.skip;
if (!DIR) console.warn('skipping classification dataset tests: shared/datasets not found (set TUNEFORGE_DATASETS)');

const HP = { epochs: 4, batchSize: 64, learningRate: 0.01, buckets: 0, seed: 5, earlyStoppingPatience: 0 };

beforeAll(async () => {
  await initBackend(undefined, () => undefined);
});

maybe('classification on a Financial PhraseBank slice', () => {
  let trainRows: ClassificationRow[];
  let testRows: ClassificationRow[];
  beforeAll(() => {
    const rng = createRng(0);
    const split = phraseBankSplit(DIR!, (xs) => rng.shuffle(xs));
    trainRows = (split.train as ClassificationRow[]).slice(0, 1500);
    testRows = (split.test as ClassificationRow[]).slice(0, 400);
  });

  it('beats the majority-class baseline, deterministically', async () => {
    const a = await train({ task: 'classification', hyperparameters: HP }, { train: trainRows, validation: testRows });
    const b = await train({ task: 'classification', hyperparameters: HP }, { train: trainRows, validation: testRows });
    expect(a.evaluation.metrics.accuracy).toBeGreaterThan(a.baseline.accuracy + 0.03);
    expect(a.evaluation.metrics.macroF1).toBeGreaterThan(a.baseline.macroF1 + 0.1);
    expect(b.evaluation.metrics).toEqual(a.evaluation.metrics);
    expect(a.evaluation.details).toHaveProperty('confusion');
  });

  it('trains the CNN option', async () => {
    const r = await train({ task: 'classification', hyperparameters: { ...HP, architecture: 'cnn', hiddenSize: 16, epochs: 2 } }, { train: trainRows.slice(0, 800), validation: testRows.slice(0, 200) });
    expect(r.evaluation.metrics.accuracy).toBeGreaterThan(r.baseline.accuracy);
  });

  it('warm-starts from a parent with low-rank adapters, training fewer parameters', async () => {
    const parent = await train({ task: 'classification', hyperparameters: { ...HP, hiddenSize: 32, epochs: 2 } }, { train: trainRows, validation: testRows });
    const logs: string[] = [];
    const child = await train(
      { task: 'classification', parent: parent.artifact, hyperparameters: { ...HP, hiddenSize: 32, epochs: 1, adapterRank: 4 } },
      { train: trainRows.slice(0, 500), validation: testRows },
      { onLog: (m) => logs.push(m) },
    );
    expect(child.metadata.params.trainable).toBeLessThan(child.metadata.params.total / 10);
    expect(logs.join('\n')).toMatch(/trainable of \d+ parameters/);
    expect(child.evaluation.metrics.accuracy).toBeGreaterThan(child.baseline.accuracy - 0.05);
  });

  it('keeps the tensor count stable across epochs and 1,000 predictions; truncates a 10,000-token text', async () => {
    const counts: number[] = [];
    const r = await train({ task: 'classification', hyperparameters: { ...HP, epochs: 3 } }, { train: trainRows, validation: testRows }, {
      onMetric: (p) => { if (p.name === 'loss') counts.push(tf.memory().numTensors); },
    });
    expect(new Set(counts).size).toBe(1);
    const state = await classificationTask.deserialize(r.artifact, r.metadata.hyperparameters as never);
    const p = classificationTask.predictor(state);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) await p.classify([testRows[i % testRows.length].text]);
    expect(tf.memory().numTensors).toBe(before);
    const [long] = await p.classify([Array.from({ length: 10_000 }, (_, i) => `word${i % 50}`).join(' ')]);
    expect(Object.keys(long.scores).sort()).toEqual(['negative', 'neutral', 'positive']);
    expect(long.score).toBeGreaterThan(0);
    classificationTask.dispose(state);
  });
});

describe('classification bad data', () => {
  it('refuses a training set with one label, or none', async () => {
    const rows = [{ text: 'a', label: 'x' }, { text: 'b', label: 'x' }];
    await expect(train({ task: 'classification' }, { train: rows, validation: [] })).rejects.toMatchObject({ code: 'ONE_CLASS', field: 'label' });
    await expect(train({ task: 'classification' }, { train: [], validation: [] })).rejects.toMatchObject({ code: 'EMPTY_DATASET' });
    await expect(train({ task: 'classification' }, { train: [{ text: 'a', label: '' }], validation: [] })).rejects.toMatchObject({ code: 'BAD_DATA' });
  });
  it('cancels through an AbortSignal with CANCELLED', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const rows = [{ text: 'good', label: 'p' }, { text: 'bad', label: 'n' }];
    await expect(train({ task: 'classification', hyperparameters: { buckets: 0 } }, { train: rows, validation: rows }, { signal: ctl.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

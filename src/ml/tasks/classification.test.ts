import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { datasetsDir, phraseBankSplit } from '../data-files';
import { createRng } from '../random';
import { MemoryStorage } from '../storage';
import { type ClassificationRow } from '../task';
import { resume, train } from '../train';
import { classificationTask } from './classification';
import { buildTfidfTable, financeTokens, indexTfidf, numberComparisons, tfidfVector } from './classification-features';

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

  it('trains the default TF-IDF linear model, beats the majority-class baseline, deterministically', async () => {
    const a = await train({ task: 'classification', hyperparameters: HP }, { train: trainRows, validation: testRows });
    const b = await train({ task: 'classification', hyperparameters: HP }, { train: trainRows, validation: testRows });
    expect(a.evaluation.metrics.accuracy).toBeGreaterThan(a.baseline.accuracy + 0.03);
    expect(a.evaluation.metrics.macroF1).toBeGreaterThan(a.baseline.macroF1 + 0.1);
    expect(b.evaluation.metrics).toEqual(a.evaluation.metrics);
    expect(a.evaluation.details).toHaveProperty('confusion');
    expect(a.metadata.hyperparameters.architecture).toBe('tfidf');
  });

  it('trains the embedding bag and the tfidf+bag ensemble; ensemble probabilities sum to 1 and survive the artifact', async () => {
    const bag = await train({ task: 'classification', hyperparameters: { ...HP, architecture: 'bag', epochs: 3 } }, { train: trainRows, validation: testRows });
    expect(bag.evaluation.metrics.accuracy).toBeGreaterThan(bag.baseline.accuracy);
    const ens = await train({ task: 'classification', hyperparameters: { ...HP, architecture: 'tfidf+bag', epochs: 2 } }, { train: trainRows.slice(0, 800), validation: testRows.slice(0, 200) });
    expect(ens.evaluation.metrics.accuracy).toBeGreaterThan(ens.baseline.accuracy);
    const state = await classificationTask.deserialize(ens.artifact, ens.metadata.hyperparameters as never);
    const texts = testRows.slice(0, 200).map((r) => r.text);
    const preds = await classificationTask.predictor(state).classify([...texts, '', 'Net loss narrowed to EUR 2.1 mn from EUR 5.3 mn .']);
    for (const p of preds) {
      expect(Object.values(p.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.score).toBe(Math.max(...Object.values(p.scores)));
    }
    // The reloaded artifact predicts exactly what the evaluation measured.
    const { truth, correct } = preds.slice(0, 200).reduce((acc, p, i) => ({ truth: acc.truth + 1, correct: acc.correct + (p.label === testRows[i].label ? 1 : 0) }), { truth: 0, correct: 0 });
    expect(correct / truth).toBeCloseTo(ens.evaluation.metrics.accuracy, 10);
    classificationTask.dispose(state);
  });

  it('resumes the TF-IDF model from a mid-epoch checkpoint and ends exactly like an uninterrupted run', async () => {
    const hp = { ...HP, epochs: 2 };
    const data = { train: trainRows.slice(0, 600), validation: testRows.slice(0, 150) };
    const whole = await train({ task: 'classification', hyperparameters: hp, storage: new MemoryStorage() }, data);
    const storage = new MemoryStorage();
    // `checkpointRequested` is polled once per step: ask for one mid-way through the second epoch, stop right after it.
    const stopAt = Math.floor(whole.steps / 2) + 2;
    let polls = 0, midEpochCheckpoint = false;
    await expect(train({ task: 'classification', hyperparameters: hp, storage }, data, {
      checkpointRequested: () => ++polls === stopAt,
      onCheckpoint: (c) => { if (c.step === stopAt) midEpochCheckpoint = true; },
      shouldStop: () => midEpochCheckpoint,
    })).rejects.toMatchObject({ code: 'CANCELLED' });
    const resumed = await resume({ storage }, data);
    expect(resumed.evaluation.metrics).toEqual(whole.evaluation.metrics);
    expect(resumed.steps).toBe(whole.steps);
  });

  it('trains the CNN option', async () => {
    const r = await train({ task: 'classification', hyperparameters: { ...HP, architecture: 'cnn', hiddenSize: 16, epochs: 2 } }, { train: trainRows.slice(0, 800), validation: testRows.slice(0, 200) });
    expect(r.evaluation.metrics.accuracy).toBeGreaterThan(r.baseline.accuracy);
  });

  it('warm-starts from a parent with low-rank adapters, training fewer parameters', async () => {
    const parent = await train({ task: 'classification', hyperparameters: { ...HP, architecture: 'bag', hiddenSize: 32, epochs: 2 } }, { train: trainRows, validation: testRows });
    const logs: string[] = [];
    const child = await train(
      { task: 'classification', parent: parent.artifact, hyperparameters: { ...HP, architecture: 'bag', hiddenSize: 32, epochs: 1, adapterRank: 4 } },
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

describe('classification TF-IDF features', () => {
  const opts = { skipWindow: 3, negationScope: 2, numberComparisons: true, maxTokens: 256 };
  it('maps numbers to NUM, keeps signs and percent, marks negation scopes up to clause punctuation', () => {
    expect(financeTokens('Sales rose +5.2 % to EUR 13.1 mn', opts)).toEqual(['sales', 'rose', '+', 'NUM', '.', 'NUM', '%', 'to', 'eur', 'NUM', '.', 'NUM', 'mn']);
    expect(financeTokens('Results were not good at all , but fine', opts)).toEqual(['results', 'were', 'not', 'not_good', 'not_at', 'all', ',', 'but', 'fine']);
  });
  it('reads the direction of explicit numeric comparisons', () => {
    expect(numberComparisons('Net loss widened to EUR 189,000 from EUR 10,000 .')).toEqual(['NUMCMP_UP']);
    expect(numberComparisons('EPS dropped to EUR 0.21 from EUR 0.31 .')).toEqual(['NUMCMP_DOWN']);
    expect(numberComparisons('Sales rose from EUR 8.7 mn to EUR 13.1 mn')).toEqual(['NUMCMP_UP']);
    expect(numberComparisons('Net sales EUR 30.5 mn ( EUR 31.0 mn )')).toEqual(['NUMCMP_DOWN']);
    expect(numberComparisons('The deal was signed .')).toEqual([]);
  });
  it('builds sublinear, idf-weighted, L2-normalised vectors from a saved vocabulary', () => {
    const table = buildTfidfTable(['profit rose', 'profit fell', 'profit rose sharply'], { ...opts, minDf: 1, maxFeatures: 1000 });
    expect(table.nDocs).toBe(3);
    expect(table.df[table.features.indexOf('profit')]).toBe(3);
    expect(table.features).toContain('profit _ sharply');
    const ix = indexTfidf(table);
    const v = tfidfVector(ix, 'profit rose rose unseenword');
    expect(v.values.reduce((a, x) => a + x * x, 0)).toBeCloseTo(1, 6);
    const val = (f: string) => v.values[v.ids.indexOf(ix.index.get(f)!)];
    // 'rose' (tf 2, rarer) outweighs 'profit' (tf 1, in every document).
    expect(val('rose') / val('profit')).toBeCloseTo(((1 + Math.log(2)) * (Math.log(4 / 3) + 1)) / 1, 5);
    expect(tfidfVector(ix, '')).toEqual({ ids: [], values: [] });
  });
  it('rejects out-of-range TF-IDF hyperparameters and adapters without dense layers, naming the field', async () => {
    const rows = [{ text: 'good', label: 'p' }, { text: 'bad', label: 'n' }];
    await expect(train({ task: 'classification', hyperparameters: { skipWindow: 20 } }, { train: rows, validation: rows })).rejects.toMatchObject({ code: 'INVALID_HYPERPARAMETER', field: 'skipWindow', message: 'skipWindow must be between 0 and 8' });
    await expect(train({ task: 'classification', hyperparameters: { labelSmoothing: 0.9 } }, { train: rows, validation: rows })).rejects.toMatchObject({ field: 'labelSmoothing' });
    await expect(train({ task: 'classification', hyperparameters: { adapterRank: 4 } }, { train: rows, validation: rows })).rejects.toMatchObject({ code: 'INVALID_HYPERPARAMETER', field: 'adapterRank' });
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

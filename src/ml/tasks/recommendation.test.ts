import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { readArtifact, writeArtifact } from '../artifact';
import { initBackend } from '../backend';
import { datasetsDir, readRows } from '../data-files';
import { DirectoryStorage, MemoryStorage } from '../storage';
import { MlError, type RecommendationRow } from '../task';
import { evaluateArtifact, resume, train } from '../train';
import { recommendationTask } from './recommendation';

const DIR = datasetsDir();
const maybe = DIR ? describe : describe.skip;
if (!DIR) console.warn('skipping recommendation dataset tests: shared/datasets not found (set TUNEFORGE_DATASETS)');

/** A slice of ML-100K u1: users ≤ 200 and items ≤ 400 (a few seconds per run). */
function slice(file: string): RecommendationRow[] {
  return (readRows('recommendation', path.join(DIR!, 'movielens-100k', file)) as RecommendationRow[])
    .filter((r) => Number(r.userId) <= 200 && Number(r.itemId) <= 400);
}

const HP = { epochs: 4, factors: 16, batchSize: 256, learningRate: 0.01, seed: 3, earlyStoppingPatience: 0 };

beforeAll(async () => {
  await initBackend(undefined, () => undefined);
});

maybe('recommendation on a MovieLens slice', () => {
  let train_: RecommendationRow[];
  let test: RecommendationRow[];
  beforeAll(() => {
    train_ = slice('u1.base');
    test = slice('u1.test');
  });

  it('beats the global-mean baseline on held-out ratings, deterministically', async () => {
    const epochs: [number, number][] = [];
    const a = await train({ task: 'recommendation', hyperparameters: HP }, { train: train_, validation: test }, { onProgress: (p) => void epochs.push([p.epoch, p.totalEpochs]) });
    // Progress counts epochs from 1 and ends at the last one, never past it.
    expect(epochs.every(([e, total]) => e >= 1 && e <= total)).toBe(true);
    expect(epochs.at(-1)).toEqual([HP.epochs, HP.epochs]);
    const b = await train({ task: 'recommendation', hyperparameters: HP }, { train: train_, validation: test });
    expect(a.evaluation.metrics.rmse).toBeLessThan(a.baseline.rmse - 0.05);
    expect(b.evaluation.metrics).toEqual(a.evaluation.metrics);
    expect(a.metadata).toMatchObject({ task: 'recommendation', params: { trainable: expect.any(Number) } });
  });

  it('implicit mode with sampled negatives ranks better than chance and reports HR/NDCG@10', async () => {
    const r = await train({ task: 'recommendation', hyperparameters: { ...HP, mode: 'implicit', negatives: 2 } }, { train: train_, validation: test });
    expect(r.evaluation.metrics['hr@10']).toBeGreaterThan(0.3);
    expect(r.evaluation.metrics['ndcg@10']).toBeGreaterThan(0);
    expect(r.evaluation.metrics.rmse).toBeUndefined();
  });

  it('resumes from a mid-epoch checkpoint and ends exactly like an uninterrupted run', async () => {
    const whole = await train({ task: 'recommendation', hyperparameters: HP, storage: new MemoryStorage() }, { train: train_, validation: test });
    const storage = new MemoryStorage();
    let steps = 0;
    const stopAt = Math.floor(whole.steps / 2) + 1; // mid-epoch
    await expect(train({ task: 'recommendation', hyperparameters: HP, storage }, { train: train_, validation: test }, {
      onProgress: (p) => { steps = p.step; },
      checkpointRequested: () => steps === stopAt - 1,
      shouldStop: () => steps >= stopAt - 1 && storage.files.size > 0 && [...storage.files.keys()].some((k) => k.includes(`step-${String(stopAt - 1).padStart(9, '0')}/loop.json`)),
    })).rejects.toMatchObject({ code: 'CANCELLED' });
    const resumed = await resume({ storage }, { train: train_, validation: test });
    expect(resumed.evaluation.metrics).toEqual(whole.evaluation.metrics);
    expect(resumed.steps).toBe(whole.steps);
  });

  it('saves an artifact to a directory and evaluates it to the same metrics', async () => {
    const r = await train({ task: 'recommendation', hyperparameters: { ...HP, epochs: 2 } }, { train: train_, validation: test });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-rec-'));
    const storage = new DirectoryStorage(dir);
    await writeArtifact(storage, 'model', r.artifact);
    const files = await readArtifact(storage, 'model');
    const { evaluation } = await evaluateArtifact(files, train_, test);
    expect(evaluation.metrics).toEqual(r.evaluation.metrics);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the tensor count stable across epochs and 1,000 predictions; handles unknown users and items', async () => {
    const counts: number[] = [];
    const r = await train({ task: 'recommendation', hyperparameters: { ...HP, epochs: 3 } }, { train: train_, validation: test }, {
      onMetric: (p) => { if (p.name === 'loss') counts.push(tf.memory().numTensors); },
    });
    expect(new Set(counts).size).toBe(1);
    const state = await recommendationTask.deserialize(r.artifact, r.metadata.hyperparameters as never);
    const p = recommendationTask.predictor(state);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) await p.recommend(String((i % 200) + 1), 10);
    expect(tf.memory().numTensors).toBe(before);
    const seen = new Set(train_.filter((x) => x.userId === '1').map((x) => x.itemId));
    const recs = await p.recommend('1', 10);
    expect(recs).toHaveLength(10);
    expect(recs.some((x) => seen.has(x.itemId))).toBe(false);
    expect(await p.recommend('no-such-user', 5)).toHaveLength(5); // cold start: popular items
    await expect(p.recommend('1', 5, { candidates: ['1', 'no-such-item'] })).rejects.toMatchObject({ code: 'UNKNOWN_ITEM', field: 'candidates' });
    recommendationTask.dispose(state);
  });
});

describe('recommendation bad data', () => {
  it('rejects an empty training set and NaN ratings with a clear MlError', async () => {
    await expect(train({ task: 'recommendation' }, { train: [], validation: [] })).rejects.toMatchObject({ code: 'EMPTY_DATASET' });
    const rows = [{ userId: 'u', itemId: 'i', rating: 4 }, { userId: 'u', itemId: 'j', rating: NaN }];
    await expect(train({ task: 'recommendation' }, { train: rows, validation: [] })).rejects.toThrow(/row 2: rating must be a finite number/);
  });
  it('rejects invalid hyperparameters naming the field', async () => {
    const rows = [{ userId: 'u', itemId: 'i', rating: 4 }];
    const err = await train({ task: 'recommendation', hyperparameters: { factors: 0 } }, { train: rows, validation: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlError);
    expect(err).toMatchObject({ code: 'INVALID_HYPERPARAMETER', field: 'factors', message: 'factors must be between 1 and 512' });
  });
});

import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { MlError } from '../task';
import { train } from '../train';
import { summarizationTask, type SummarizationState } from './summarization';
import { readAeslc } from './text-datasets';

const trainRows = readAeslc('train', 1500);
const heldOut = readAeslc('dev', 400);
const maybe = trainRows && heldOut ? describe : describe.skip;
if (!trainRows) console.warn('summarization tests skipped: shared/datasets/aeslc not found (set TUNEFORGE_DATASETS)');

const HP = { epochs: 3, batchSize: 32, buckets: 4096, embeddingSize: 16, hiddenSize: 16, earlyStoppingPatience: 0 };

maybe('summarization task on AESLC', () => {
  beforeAll(async () => {
    await initBackend('wasm', () => {});
  });

  it('trains on a slice and beats lead-1 on held-out emails', async () => {
    const tensorsAtEpochEnd: number[] = [];
    const result = await train({ task: 'summarization', hyperparameters: HP }, { train: trainRows!.slice(0, 1200), validation: trainRows!.slice(1200), test: heldOut! }, {
      onMetric: (p) => { if (p.name === 'rouge1' && p.split === 'validation') tensorsAtEpochEnd.push(tf.memory().numTensors); },
    });
    const m = result.evaluation.metrics;
    expect(m.rouge1).toBeGreaterThan(result.baseline.rouge1);
    expect(m.rougeL).toBeGreaterThan(result.baseline.rougeL);
    expect(result.baseline.lead3_rouge1).toBeGreaterThan(0);
    expect(new Set(tensorsAtEpochEnd.slice(1)).size).toBe(1);

    const state = (await summarizationTask.deserialize(result.artifact, result.metadata.hyperparameters as never)) as SummarizationState;
    try {
      const p = summarizationTask.predictor(state);
      const n0 = tf.memory().numTensors;
      const huge = Array.from({ length: 10_000 }, (_, i) => (i % 12 === 11 ? 'end.' : `Word${i % 97}`)).join(' ');
      const out = await p.summarize(['', huge, 'Hi Bob.\nPlease send the gas nominations for March.\nThanks, Ann', '   ']);
      expect(out[0]).toBe('');
      expect(out[3]).toBe('');
      expect(out[1].length).toBeGreaterThan(0);
      expect(out[2].length).toBeGreaterThan(0);
      for (let i = 0; i < 1000; i += 50) await p.summarize(heldOut!.slice(i % 400, (i % 400) + 50).map((r) => r.document));
      expect(tf.memory().numTensors).toBe(n0);
      expect((await p.summarize([heldOut![0].document], { maxSentences: 2, maxLength: 0 }))[0].length).toBeGreaterThan(0);
      await expect(p.summarize(['x'], { maxSentences: 0 })).rejects.toThrow(MlError);
    } finally {
      summarizationTask.dispose(state);
    }
  });

  it('is deterministic for the same seed', async () => {
    const run = () => train({ task: 'summarization', hyperparameters: { ...HP, epochs: 1 } }, { train: trainRows!.slice(0, 200), validation: trainRows!.slice(200, 260) });
    const [a, b] = [await run(), await run()];
    expect(a.evaluation.metrics).toEqual(b.evaluation.metrics);
    expect(Buffer.from(a.artifact['weights.bin']).equals(Buffer.from(b.artifact['weights.bin']))).toBe(true);
  });

  it('rejects empty data with clear errors and skips unusable rows', async () => {
    await expect(train({ task: 'summarization', hyperparameters: HP }, { train: [], validation: [] })).rejects.toMatchObject({ code: 'EMPTY_DATASET' });
    await expect(train({ task: 'summarization', hyperparameters: HP }, { train: [{ document: '', summary: '' }, { document: 'text.', summary: '!!' }], validation: [] })).rejects.toMatchObject({ code: 'EMPTY_DATASET' });
    await expect(train({ task: 'summarization', hyperparameters: HP }, { train: [{ document: 'a', summary: null as unknown as string }], validation: [] })).rejects.toMatchObject({ code: 'BAD_DATA', field: 'summary' });
    const huge = Array.from({ length: 10_000 }, (_, i) => `token${i % 300}`).join(' ');
    const rows = [...trainRows!.slice(0, 40), { document: huge, summary: 'token1 token2' }, { document: '', summary: 'x' }];
    const r = await train({ task: 'summarization', hyperparameters: { ...HP, epochs: 1 } }, { train: rows, validation: trainRows!.slice(40, 60) });
    expect(Number.isFinite(r.evaluation.metrics.rouge1)).toBe(true);
  });
});

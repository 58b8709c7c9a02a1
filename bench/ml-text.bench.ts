/**
 * Text-task benches for `npm run bench:ml` (plugged into `TASK_BENCHES` of ml.bench.ts):
 *
 * - translation: Multi30k de→en, train → val (model selection) → test2016, lower-cased
 *   as the published anchor (bentrevett/pytorch-seq2seq), BLEU (sacreBLEU 13a) and chrF;
 *   copy-source baseline scored the same way.
 * - summarization: AESLC email body → subject line, train → dev → test, ROUGE-1/2/L F1
 *   (rouge-score compatible) against lead-1 / lead-3.
 *
 * `--quick` trains on small slices for CI-sized smoke runs.
 */
import { activeBackend } from '../src/ml/backend';
import { corpusBleu } from '../src/ml/metrics/bleu';
import { corpusChrf } from '../src/ml/metrics/chrf';
import { readAeslc, readMulti30k } from '../src/ml/tasks/text-datasets';
import { normalizeText } from '../src/ml/text/normalize';
import { train } from '../src/ml/train';
import type { BenchRow, TaskBench } from './ml.bench';

function pick(hp: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in hp).map((k) => [k, hp[k]]));
}

/**
 * Full-run hyperparameters: what fits about an hour of training on a shared 2-core
 * machine (wasm, ≈ 5–12 min per epoch depending on the other load). Hidden 256 trains
 * ≈ 3× slower per example and reached fewer epochs in the hour.
 */
export const TRANSLATION_BENCH_HP = {
  epochs: 8, batchSize: 64, learningRate: 0.002, lrSchedule: 'linear', warmupSteps: 200, clipNorm: 5,
  sourceVocabSize: 6000, targetVocabSize: 4000, embeddingSize: 128, hiddenSize: 128,
  dropout: 0.2, labelSmoothing: 0.1, lowercase: true, maxSourceTokens: 40, maxTargetTokens: 40, earlyStoppingPatience: 0,
};

export const translationBench: TaskBench = {
  task: 'translation',
  async run({ quick, log }) {
    const trainRows = readMulti30k('train', quick ? 3000 : Infinity);
    const validation = readMulti30k('val', quick ? 200 : Infinity);
    const test = readMulti30k('test_2016_flickr', quick ? 300 : Infinity);
    if (!trainRows || !validation || !test) {
      log('multi30k-en-de not found: translation skipped');
      return [];
    }
    const hp = quick
      ? { ...TRANSLATION_BENCH_HP, epochs: 1, batchSize: 32, warmupSteps: 20, learningRate: 0.005, sourceVocabSize: 2000, targetVocabSize: 2000, embeddingSize: 64, hiddenSize: 64 }
      : TRANSLATION_BENCH_HP;
    const r = await train({ task: 'translation', hyperparameters: hp }, { train: trainRows, validation, test }, { onLog: log });
    // Copy-source scored like the model: lower-cased, normalised.
    const lc = (s: string) => normalizeText(s, { lowercase: true });
    const src = test.map((x) => lc(x.source));
    const refs = test.map((x) => lc(x.target));
    const baseline = { bleu: corpusBleu(src, [refs]).score, chrf: corpusChrf(src, [refs]) };
    const row: BenchRow = {
      task: 'translation', data: quick ? 'Multi30k de→en (3,000 train, 300 test)' : 'Multi30k de→en train → test2016 (lower-cased)',
      target: 'BLEU ≥ 15 in 60 min on wasm (aim ≥ 28)',
      metrics: r.evaluation.metrics, baseline, seconds: r.seconds, examplesPerSecond: r.examplesPerSecond, backend: activeBackend(),
      hyperparameters: { ...pick(r.metadata.hyperparameters, Object.keys(TRANSLATION_BENCH_HP)), bestEpoch: r.metadata.bestEpoch, params: r.metadata.params.total },
    };
    return [row];
  },
};

export const summarizationBench: TaskBench = {
  task: 'summarization',
  async run({ quick, log }) {
    const trainRows = readAeslc('train', quick ? 2000 : Infinity);
    const validation = readAeslc('dev', quick ? 300 : Infinity);
    const test = readAeslc('test', quick ? 500 : Infinity);
    if (!trainRows || !validation || !test) {
      log('aeslc not found: summarization skipped');
      return [];
    }
    const hp = quick ? { epochs: 2 } : {};
    const r = await train({ task: 'summarization', hyperparameters: hp }, { train: trainRows, validation, test }, { onLog: log });
    return [{
      task: 'summarization', data: quick ? 'AESLC (2,000 train, 500 test)' : 'AESLC train → test (subject line)',
      target: 'ROUGE-1 ≥ 15 (aim ≥ 20)',
      metrics: r.evaluation.metrics, baseline: r.baseline, seconds: r.seconds, examplesPerSecond: r.examplesPerSecond, backend: activeBackend(),
      hyperparameters: { ...pick(r.metadata.hyperparameters, ['buckets', 'embeddingSize', 'hiddenSize', 'summarySentences', 'maxWords', 'epochs', 'batchSize', 'learningRate', 'targetTemperature', 'clauses']), bestEpoch: r.metadata.bestEpoch },
    }];
  },
};

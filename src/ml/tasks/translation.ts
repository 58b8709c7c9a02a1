/**
 * Translation: a GRU encoder–decoder with attention (`models/seq2seq.ts`) over BPE (or
 * character) tokens learned from the training pairs, one tokenizer per side.
 *
 * Data handling (documented, never a tensor error):
 * - text is NFC-normalised, whitespace collapsed, and lower-cased when `lowercase`;
 * - pairs whose source or target is empty after that are skipped in training
 *   (`EMPTY_DATASET` when none is left);
 * - sources longer than `maxSourceTokens` tokens are truncated (the head is kept),
 *   training targets longer than `maxTargetTokens` too; predictions stop at
 *   `maxTargetTokens` (or the caller's `maxLength`);
 * - `translate('')` returns ''.
 *
 * Metrics: corpus BLEU (sacreBLEU-compatible, 13a) and chrF on the normalised
 * references, with greedy (`beamSize` 1) or beam decoding. Baseline: copy-source.
 * Warm start reuses the parent's tokenizers and weights (same sizes required).
 */
import * as tf from '@tensorflow/tfjs';
import { decodeVariablesModel, encodeVariablesModel, jsonBytes, readJson, TOKENIZER_FILE } from '../artifact';
import { commonDefaults } from '../hyperparameters';
import { corpusBleu } from '../metrics/bleu';
import { corpusChrf } from '../metrics/chrf';
import { makeBatch, padBatch, Seq2SeqModel, type Seq2SeqBatch, type Seq2SeqConfig } from '../models/seq2seq';
import { normalizeText } from '../text/normalize';
import { Tokenizer, trainBpeTokenizer, trainCharTokenizer, type TokenizerJSON } from '../text/tokenizer';
import {
  MlError,
  type ArtifactFiles,
  type Evaluation,
  type HyperparameterError,
  type HyperparameterSpec,
  type InitContext,
  type Metrics,
  type ParameterGroup,
  type TaskModule,
  type TrainHyperparameters,
  type TranslateOptions,
  type TranslationPredictor,
  type TranslationRow,
} from '../task';

export interface TranslationHyperparameters extends TrainHyperparameters {
  tokenizer: 'bpe' | 'char';
  sourceVocabSize: number;
  targetVocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  dropout: number;
  labelSmoothing: number;
  lowercase: boolean;
  maxSourceTokens: number;
  maxTargetTokens: number;
  /** Decoding used by `evaluate` (1 = greedy). Prediction takes its own option. */
  beamSize: number;
}

const SPEC: HyperparameterSpec = {
  tokenizer: { type: 'enum', values: ['bpe', 'char'], description: 'subword (BPE) or character tokens' },
  sourceVocabSize: { type: 'int', min: 300, max: 32000, description: 'BPE vocabulary of the source side (incl. 260 specials and bytes)' },
  targetVocabSize: { type: 'int', min: 300, max: 32000, description: 'BPE vocabulary of the target side' },
  embeddingSize: { type: 'int', min: 8, max: 1024, description: 'token embedding width' },
  hiddenSize: { type: 'int', min: 16, max: 1024, description: 'GRU state width' },
  dropout: { type: 'number', min: 0, max: 0.9, description: 'dropout on embeddings and the attention output' },
  labelSmoothing: { type: 'number', min: 0, max: 0.5, description: 'label smoothing of the training loss' },
  lowercase: { type: 'boolean', description: 'lower-case sources, targets and references' },
  maxSourceTokens: { type: 'int', min: 4, max: 2048, description: 'longer sources are truncated' },
  maxTargetTokens: { type: 'int', min: 4, max: 2048, description: 'longer training targets are truncated; decoding stops here' },
  beamSize: { type: 'int', min: 1, max: 16, description: 'beam width used for evaluation (1 = greedy)' },
};

interface Options {
  lowercase: boolean;
  maxSourceTokens: number;
  maxTargetTokens: number;
  beamSize: number;
}

export interface TranslationState {
  model: Seq2SeqModel;
  source: Tokenizer;
  target: Tokenizer;
  options: Options;
  /** Encoded training pairs, keyed by row object (encoding once per run, not per epoch). */
  cache: WeakMap<TranslationRow, [number[], number[]] | null>;
  disposed: boolean;
}

interface TokenizerFile {
  source: TokenizerJSON;
  target: TokenizerJSON;
  options: Options;
}

export function norm(text: string, o: Pick<Options, 'lowercase'>): string {
  return normalizeText(text, { lowercase: o.lowercase });
}

function encodePair(s: TranslationState, row: TranslationRow): [number[], number[]] | null {
  let e = s.cache.get(row);
  if (e === undefined) {
    const src = s.source.encode(norm(row.source, s.options)).slice(0, s.options.maxSourceTokens);
    const tgt = s.target.encode(norm(row.target, s.options)).slice(0, s.options.maxTargetTokens);
    e = src.length > 0 && tgt.length > 0 ? [src, tgt] : null;
    s.cache.set(row, e);
  }
  return e;
}

const DECODE_BATCH = 64;

/** Translates normalised sources (greedy in length-sorted batches, or beam one by one). */
async function decodeAll(s: TranslationState, texts: string[], beamSize: number, maxLength: number): Promise<string[]> {
  const src = texts.map((t) => s.source.encode(norm(t, s.options)).slice(0, s.options.maxSourceTokens));
  const out = new Array<string>(texts.length).fill('');
  const limit = (n: number) => Math.min(maxLength, 2 * n + 10);
  const live = src.map((_, i) => i).filter((i) => src[i].length > 0);
  if (beamSize > 1) {
    for (const i of live) out[i] = s.target.decode(await s.model.beam(src[i], beamSize, limit(src[i].length)));
    return out;
  }
  live.sort((a, b) => src[a].length - src[b].length);
  for (let k = 0; k < live.length; k += DECODE_BATCH) {
    const idx = live.slice(k, k + DECODE_BATCH);
    const ids = await s.model.greedy(padBatch(idx.map((i) => src[i])), (j) => limit(src[idx[j]].length));
    idx.forEach((i, j) => (out[i] = s.target.decode(ids[j])));
  }
  return out;
}

/** BLEU and chrF of hypotheses against one reference each: the evaluation of every translation model (OpenAI baselines too). */
export function scores(hyps: string[], refs: string[]): Metrics {
  return { bleu: corpusBleu(hyps, [refs]).score, chrf: corpusChrf(hyps, [refs]) };
}

function checkRows(rows: TranslationRow[]): void {
  rows.forEach((r, i) => {
    if (!r || typeof r.source !== 'string') throw new MlError('BAD_DATA', `row ${i + 1}: source must be a string`, { field: 'source', details: { row: i + 1 } });
    if (typeof r.target !== 'string') throw new MlError('BAD_DATA', `row ${i + 1}: target must be a string`, { field: 'target', details: { row: i + 1 } });
  });
}

function buildState(config: Seq2SeqConfig, weights: { next: () => number } | Map<string, tf.Tensor>, source: Tokenizer, target: Tokenizer, options: Options): TranslationState {
  return { model: new Seq2SeqModel(config, weights), source, target, options, cache: new WeakMap(), disposed: false };
}

export const translationTask: TaskModule<TranslationRow, TranslationHyperparameters, TranslationState, Seq2SeqBatch, TranslationPredictor> = {
  task: 'translation',
  hyperparameterSpec: SPEC,
  primaryMetric: { name: 'bleu', mode: 'max' },

  defaults(nTrain: number): TranslationHyperparameters {
    const small = nTrain < 5000;
    return {
      ...commonDefaults(),
      epochs: small ? 30 : 10,
      batchSize: small ? 32 : 128,
      learningRate: 2e-3,
      lrSchedule: 'linear',
      warmupSteps: small ? 20 : 200,
      clipNorm: 5,
      earlyStoppingPatience: 3,
      tokenizer: 'bpe',
      sourceVocabSize: small ? 2000 : 6000,
      targetVocabSize: small ? 2000 : 4000,
      embeddingSize: small ? 128 : 256,
      hiddenSize: small ? 128 : 256,
      dropout: 0.25,
      labelSmoothing: 0.1,
      lowercase: false,
      maxSourceTokens: 128,
      maxTargetTokens: 128,
      beamSize: 1,
    };
  },

  checkHyperparameters(hp): HyperparameterError[] {
    if (hp.adapterRank > 0) return [{ field: 'adapterRank', message: 'adapterRank is not supported for translation (use freeze: ["embeddings"] or ["encoder"] instead)' }];
    return [];
  },

  validateData(rows, role) {
    if (!Array.isArray(rows)) throw new MlError('BAD_DATA', 'rows must be a list');
    checkRows(rows);
    if (role === 'train') {
      if (rows.length === 0) throw new MlError('EMPTY_DATASET', 'the training set has no sentence pairs');
      const usable = rows.some((r) => r.source.trim() !== '' && r.target.trim() !== '');
      if (!usable) throw new MlError('EMPTY_DATASET', 'every training pair has an empty source or target');
    }
  },

  init({ train, hp, rng, parent }: InitContext<TranslationRow, TranslationHyperparameters, TranslationState>) {
    const options: Options = { lowercase: hp.lowercase, maxSourceTokens: hp.maxSourceTokens, maxTargetTokens: hp.maxTargetTokens, beamSize: hp.beamSize };
    const config: Seq2SeqConfig = { srcVocab: 0, tgtVocab: 0, embedSize: hp.embeddingSize, hiddenSize: hp.hiddenSize, dropout: hp.dropout, labelSmoothing: hp.labelSmoothing };
    if (parent) {
      const p = parent.model.config;
      if (p.embedSize !== hp.embeddingSize || p.hiddenSize !== hp.hiddenSize) {
        throw new MlError('INCOMPATIBLE_PARENT', `the parent model has embeddingSize ${p.embedSize} and hiddenSize ${p.hiddenSize}; a warm start needs the same sizes`, { field: 'parent' });
      }
      const weights = new Map<string, tf.Tensor>(parent.model.namedWeights().map((w) => [w.name, w.tensor]));
      return buildState({ ...config, srcVocab: p.srcVocab, tgtVocab: p.tgtVocab }, weights, parent.source, parent.target, options);
    }
    const pairs = train.filter((r) => r.source.trim() !== '' && r.target.trim() !== '');
    const make = (texts: string[], vocabSize: number) =>
      hp.tokenizer === 'char' ? trainCharTokenizer(texts) : trainBpeTokenizer(texts, { vocabSize });
    const source = make(pairs.map((r) => norm(r.source, options)), hp.sourceVocabSize);
    const target = make(pairs.map((r) => norm(r.target, options)), hp.targetVocabSize);
    return buildState({ ...config, srcVocab: source.vocabSize, tgtVocab: target.vocabSize }, rng, source, target, options);
  },

  batches(state, rows, { rng, hp }) {
    // Length-bucketed: sort by (noisy) source length, cut into batches, shuffle their order.
    const keyed: Array<{ pair: [number[], number[]]; k: number }> = [];
    for (const r of rows) {
      const pair = encodePair(state, r);
      if (pair) keyed.push({ pair, k: pair[0].length + rng.next() * 2 });
    }
    keyed.sort((a, b) => a.k - b.k);
    const out: Seq2SeqBatch[] = [];
    for (let i = 0; i < keyed.length; i += hp.batchSize) {
      const chunk = keyed.slice(i, i + hp.batchSize);
      out.push(makeBatch(chunk.map((c) => c.pair[0]), chunk.map((c) => c.pair[1])));
    }
    return rng.shuffle(out);
  },

  batchSize: (b) => b.src.batch,

  loss(state, batch, ctx) {
    return tf.tidy(() => state.model.loss(batch, ctx.training, () => ctx.rng.seed()));
  },

  parameterGroups(state): ParameterGroup[] {
    return Object.entries(state.model.groups()).map(([name, variables]) => ({ name, variables }));
  },

  async evaluate(state, rows): Promise<Evaluation> {
    if (rows.length === 0) return { metrics: {} };
    const hyps = await decodeAll(state, rows.map((r) => r.source), state.options.beamSize, state.options.maxTargetTokens);
    const refs = rows.map((r) => norm(r.target, state.options));
    return { metrics: scores(hyps, refs), details: { examples: rows.slice(0, 3).map((r, i) => ({ source: r.source, reference: refs[i], hypothesis: hyps[i] })) } };
  },

  baseline(train, evalRows) {
    if (evalRows.length === 0) return {};
    const lowercase = false;
    const o: Options = { lowercase, maxSourceTokens: 0, maxTargetTokens: 0, beamSize: 1 };
    return scores(evalRows.map((r) => norm(r.source, o)), evalRows.map((r) => norm(r.target, o)));
  },

  async serialize(state): Promise<ArtifactFiles> {
    const files = await encodeVariablesModel('translation', state.model.config, state.model.namedWeights());
    const tok: TokenizerFile = { source: state.source.toJSON(), target: state.target.toJSON(), options: state.options };
    files[TOKENIZER_FILE] = jsonBytes(tok);
    return files;
  },

  async deserialize(files) {
    const { config, tensors } = decodeVariablesModel<Seq2SeqConfig>(files, 'translation');
    try {
      const tok = readJson<TokenizerFile>(files, TOKENIZER_FILE);
      let source: Tokenizer;
      let target: Tokenizer;
      try {
        source = Tokenizer.fromJSON(tok.source);
        target = Tokenizer.fromJSON(tok.target);
      } catch (e) {
        throw new MlError('BAD_ARTIFACT', `tokenizer.json: ${(e as Error).message}`, { cause: e });
      }
      try {
        return buildState(config, tensors, source, target, tok.options);
      } catch (e) {
        throw new MlError('BAD_ARTIFACT', `model.json: ${(e as Error).message}`, { cause: e });
      }
    } finally {
      tf.dispose([...tensors.values()]);
    }
  },

  dispose(state) {
    if (state.disposed) return;
    state.disposed = true;
    state.model.dispose();
  },

  predictor(state): TranslationPredictor {
    return {
      task: 'translation',
      async translate(texts: string[], options: TranslateOptions = {}): Promise<string[]> {
        if (state.disposed) throw new MlError('BAD_ARTIFACT', 'this model has been unloaded');
        const beam = options.beamSize ?? 1;
        if (!Number.isInteger(beam) || beam < 1 || beam > 16) throw new MlError('INVALID_HYPERPARAMETER', 'beamSize must be between 1 and 16', { field: 'beamSize' });
        const maxLength = Math.max(1, Math.min(options.maxLength ?? state.options.maxTargetTokens, 2048));
        return decodeAll(state, texts.map((t) => (typeof t === 'string' ? t : '')), beam, maxLength);
      },
      inputTruncated: (text) => state.source.encode(norm(text, state.options)).length > state.options.maxSourceTokens,
    };
  },
};

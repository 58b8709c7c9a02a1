/**
 * Text classification.
 *
 * - `bag`: fastText-style embedding bag — the mean of word embeddings and of
 *   hashed word-bigram embeddings, an optional hidden ReLU layer, a softmax output.
 * - `tfidf` (default): multinomial logistic regression over sparse TF-IDF features —
 *   unigrams, bigrams, word pairs up to `skipWindow` apart, numbers as `NUM`, negation
 *   scopes, numeric-comparison directions (see `classification-features.ts`); the
 *   vocabulary and document frequencies are saved in `tokenizer.json`.
 * - `tfidf+bag`: both the linear TF-IDF head and the embedding bag, trained together
 *   (the loss is the sum of both heads' losses) and averaged as probabilities.
 * - `cnn`: a small CNN — word embeddings, one convolution of width `kernelSize`
 *   (written as a matmul over sliding windows: the wasm backend has no
 *   Conv2DBackpropFilter kernel) with ReLU and max-pooling over time, a softmax output.
 *
 * Tokens: lower-cased Unicode letter/number runs and single punctuation marks; words
 * seen at least `minCount` times get their own row, others share an `<unk>` row;
 * bigrams are hashed (FNV-1a) into `buckets` rows. Inputs longer than `maxTokens` are
 * truncated (documented handling for very long texts: the head of the text is kept).
 *
 * Low-rank adapters (`adapterRank` > 0) add W + A·B on the dense layers; the loop then
 * trains only them (and whatever is not frozen explicitly).
 * Metrics: accuracy, macro-F1, per-class precision/recall (flat: `precision/<label>`),
 * confusion matrix in the details. Baseline: majority class.
 */
import * as tf from '@tensorflow/tfjs';
import { decodeVariablesModel, encodeVariablesModel, jsonBytes, readJson, TOKENIZER_FILE } from '../artifact';
import { commonDefaults } from '../hyperparameters';
import { classificationReport } from '../metrics/classification';
import { gatherRows, normalInit } from '../ops';
import { indexTfidf, packSparse, tfidfVector, type TfidfIndex } from './classification-features';
import { buildTokenizer, encode, hasEmbeddings, hasTfidf, indexOf, isBag, pack, tokenize, type Tokenizer } from './classification-text';
import {
  MlError,
  type ArtifactFiles,
  type ClassificationPredictor,
  type ClassificationRow,
  type ClassPrediction,
  type Evaluation,
  type HyperparameterError,
  type InitContext,
  type Metrics,
  type ParameterGroup,
  type Rng,
  type TaskModule,
  type TrainHyperparameters,
} from '../task';

export type ClassificationArchitecture = 'tfidf' | 'tfidf+bag' | 'bag' | 'cnn';

export interface ClassificationHyperparameters extends TrainHyperparameters {
  architecture: ClassificationArchitecture;
  embeddingSize: number;
  /** Hidden ReLU layer width (bag) or convolution filters (cnn); 0 = none (bag only). */
  hiddenSize: number;
  kernelSize: number;
  /** Hashed bigram / character n-gram rows (bag); 0 = words only. */
  buckets: number;
  /** Add hashed word bigrams to the bag (needs buckets > 0). */
  wordBigrams: boolean;
  /** Add hashed character n-grams of this length (fastText subwords, e.g. 3); 0 = off. Needs buckets > 0. */
  charNgrams: number;
  minCount: number;
  maxTokens: number;
  dropout: number;
  /** 'balanced' weights each class by n / (classes × count): better macro-F1 on skewed labels. */
  classWeighting: 'none' | 'balanced';
  /** Target smoothing of the cross-entropy (0 = off). */
  labelSmoothing: number;
  /** TF-IDF: word pairs 2..skipWindow positions apart become features; 0 or 1 = none. */
  skipWindow: number;
  /** TF-IDF: words marked `not_…` after a negation; 0 = no marking. */
  negationScope: number;
  /** TF-IDF: features for the direction of "to X from Y" / "X ( Y )" comparisons. */
  numberComparisons: boolean;
  /** TF-IDF: most frequent features kept (after `minCount`). */
  maxFeatures: number;
}

interface Config {
  architecture: ClassificationArchitecture;
  embeddingSize: number;
  hiddenSize: number;
  kernelSize: number;
  adapterRank: number;
  dropout: number;
  /** Absent in artifacts written before label smoothing existed (= 0). */
  labelSmoothing?: number;
}

export interface ClassificationState {
  config: Config;
  tokenizer: Tokenizer;
  vocabIndex: Map<string, number>;
  tfidf: TfidfIndex | null;
  /** name → variable, in a fixed order (serialization order). */
  vars: Map<string, tf.Variable>;
  classWeights: Float32Array;
  disposed: boolean;
}

export interface ClassificationBatch {
  /** [size × width] token rows, 0-padded (models with an embedding table). */
  ids: Int32Array;
  width: number;
  /** [size × sparseWidth] TF-IDF feature ids and values, 0-padded (models with a TF-IDF head). */
  sparseIds: Int32Array;
  sparseValues: Float32Array;
  sparseWidth: number;
  labels: Int32Array;
}

/** Does this architecture have the embedding (bag/cnn) part, the TF-IDF part? */
const SPEC = {
  architecture: { type: 'enum', values: ['tfidf', 'tfidf+bag', 'bag', 'cnn'], description: 'linear model over TF-IDF features, that plus an embedding bag (ensemble), an embedding bag (fastText-style) or a small CNN' },
  embeddingSize: { type: 'int', min: 8, max: 1024, description: 'embedding width' },
  hiddenSize: { type: 'int', min: 0, max: 1024, description: 'hidden layer width (bag; 0 = none) or convolution filters (cnn)' },
  kernelSize: { type: 'int', min: 1, max: 9, description: 'convolution width in tokens (cnn)' },
  buckets: { type: 'int', min: 0, max: 1_000_000, description: 'hashed bigram / character n-gram rows (bag); 0 = words only' },
  wordBigrams: { type: 'boolean', description: 'add hashed word bigrams (bag, needs buckets)' },
  charNgrams: { type: 'int', min: 0, max: 6, description: 'add hashed character n-grams of this length (bag, needs buckets); 0 = off' },
  minCount: { type: 'int', min: 1, max: 1000, description: 'minimum occurrences for a word to get its own embedding' },
  maxTokens: { type: 'int', min: 1, max: 4096, description: 'words kept per text (longer texts are truncated)' },
  dropout: { type: 'number', min: 0, max: 0.9, description: 'dropout on the pooled representation' },
  classWeighting: { type: 'enum', values: ['none', 'balanced'], description: 'loss weights per class' },
  labelSmoothing: { type: 'number', min: 0, max: 0.5, description: 'cross-entropy target smoothing; 0 = off' },
  skipWindow: { type: 'int', min: 0, max: 8, description: 'TF-IDF: word pairs up to this many positions apart become features; 0 or 1 = none' },
  negationScope: { type: 'int', min: 0, max: 10, description: 'TF-IDF: words marked as negated after "not", "no", "without" …; 0 = off' },
  numberComparisons: { type: 'boolean', description: 'TF-IDF: features for the direction of numeric comparisons ("to 13.1 from 8.7")' },
  maxFeatures: { type: 'int', min: 100, max: 2_000_000, description: 'TF-IDF: most frequent features kept' },
} as const;

function shapesFor(c: Config, tok: Tokenizer): Array<[string, number[], 'normal' | 'zeros' | 'glorot']> {
  const rows = tok.vocab.length + tok.buckets;
  const C = tok.labels.length;
  const out: Array<[string, number[], 'normal' | 'zeros' | 'glorot']> = [];
  // Logistic regression starts at zero: no randomness, and the first step is the same on every backend.
  if (hasTfidf(c.architecture)) out.push(['tfidf/kernel', [Math.max(1, tok.tfidf?.features.length ?? 0), C], 'zeros'], ['tfidf/bias', [C], 'zeros']);
  if (!hasEmbeddings(c.architecture)) return out;
  out.push(['embeddings', [rows, c.embeddingSize], 'normal']);
  let width = c.embeddingSize;
  if (c.architecture === 'cnn') {
    out.push(['conv/kernel', [c.kernelSize * c.embeddingSize, c.hiddenSize], 'glorot'], ['conv/bias', [c.hiddenSize], 'zeros']);
    width = c.hiddenSize;
  } else if (c.hiddenSize > 0) {
    out.push(['hidden/kernel', [width, c.hiddenSize], 'glorot'], ['hidden/bias', [c.hiddenSize], 'zeros']);
    if (c.adapterRank > 0) out.push(['adapter/hidden/a', [width, c.adapterRank], 'glorot'], ['adapter/hidden/b', [c.adapterRank, c.hiddenSize], 'zeros']);
    width = c.hiddenSize;
  }
  out.push(['output/kernel', [width, C], 'glorot'], ['output/bias', [C], 'zeros']);
  if (c.adapterRank > 0) out.push(['adapter/output/a', [width, c.adapterRank], 'glorot'], ['adapter/output/b', [c.adapterRank, C], 'zeros']);
  return out;
}

function dense(s: ClassificationState, name: string, x: tf.Tensor): tf.Tensor {
  let w: tf.Tensor = s.vars.get(`${name}/kernel`)!;
  const a = s.vars.get(`adapter/${name}/a`);
  if (a) w = w.add(a.matMul(s.vars.get(`adapter/${name}/b`)!));
  return x.matMul(w).add(s.vars.get(`${name}/bias`)!);
}

/** Logits [batch, classes] of the TF-IDF head: sparse rows × kernel + bias. */
function tfidfLogits(s: ClassificationState, ids: Int32Array, values: Float32Array, width: number): tf.Tensor2D {
  return tf.tidy(() => {
    const n = ids.length / width;
    const C = s.tokenizer.labels.length;
    const rows = gatherRows(s.vars.get('tfidf/kernel')!, tf.tensor1d(ids, 'int32')).reshape([n, width, C]);
    return rows.mul(tf.tensor3d(values, [n, width, 1])).sum(1).add(s.vars.get('tfidf/bias')!) as tf.Tensor2D;
  });
}

/** Logits of every head of the model for a batch (one head, or two for `tfidf+bag`). */
function heads(s: ClassificationState, b: Omit<ClassificationBatch, 'labels'>, training: boolean, rng?: Rng): tf.Tensor2D[] {
  const out: tf.Tensor2D[] = [];
  if (hasTfidf(s.config.architecture)) out.push(tfidfLogits(s, b.sparseIds, b.sparseValues, b.sparseWidth));
  if (hasEmbeddings(s.config.architecture)) out.push(forward(s, b.ids, b.width, training, rng));
  return out;
}

/** Plain-data inputs of a list of texts for every head of the model. */
function encodeTexts(s: ClassificationState, texts: string[], cache?: Map<string, { words: number[]; sparse: ReturnType<typeof tfidfVector> | null }>): Omit<ClassificationBatch, 'labels'> {
  const enc = texts.map((t) => {
    let e = cache?.get(t);
    if (!e) {
      e = {
        words: hasEmbeddings(s.config.architecture) ? encode(s.tokenizer, s.vocabIndex, t, isBag(s.config.architecture)) : [],
        sparse: s.tfidf ? tfidfVector(s.tfidf, t) : null,
      };
      cache?.set(t, e);
    }
    return e;
  });
  const { ids, width } = pack(enc.map((e) => e.words));
  const sparse = packSparse(enc.map((e) => e.sparse ?? { ids: [], values: [] }));
  return { ids, width, sparseIds: sparse.ids, sparseValues: sparse.values, sparseWidth: sparse.width };
}

/** Logits [batch, classes] for packed ids. */
function forward(s: ClassificationState, ids: Int32Array, width: number, training: boolean, rng?: Rng): tf.Tensor2D {
  return tf.tidy(() => {
    const n = ids.length / width;
    const flat = tf.tensor1d(ids, 'int32');
    const emb = gatherRows(s.vars.get('embeddings')!, flat).reshape([n, width, s.config.embeddingSize]);
    const mask = tf.tensor2d(ids, [n, width], 'int32').notEqual(0).toFloat();
    let h: tf.Tensor;
    if (s.config.architecture === 'cnn') {
      const k = s.config.kernelSize;
      const padded = width < k ? emb.pad([[0, 0], [0, k - width], [0, 0]]) : emb;
      const L = Math.max(width, k) - k + 1;
      const windows = tf.concat(Array.from({ length: k }, (_, j) => padded.slice([0, j, 0], [n, L, s.config.embeddingSize])), 2);
      const conv = dense(s, 'conv', windows.reshape([n * L, k * s.config.embeddingSize])).relu().reshape([n, L, s.config.hiddenSize]);
      h = conv.max(1);
    } else {
      const summed = emb.mul(mask.expandDims(2)).sum(1);
      h = summed.div(mask.sum(1, true).maximum(1));
      if (s.config.hiddenSize > 0) {
        if (training && s.config.dropout > 0) h = tf.dropout(h, s.config.dropout, undefined, rng!.seed());
        h = dense(s, 'hidden', h).relu();
      }
    }
    if (training && s.config.dropout > 0) h = tf.dropout(h, s.config.dropout, undefined, rng!.seed());
    return dense(s, 'output', h) as tf.Tensor2D;
  });
}

function makeState(config: Config, tokenizer: Tokenizer, tensors: Map<string, tf.Tensor>, classWeights: Float32Array): ClassificationState {
  const vars = new Map<string, tf.Variable>();
  for (const [name] of shapesFor(config, tokenizer)) {
    const t = tensors.get(name);
    if (!t) throw new MlError('BAD_ARTIFACT', `classification weights have no ${name}`);
    vars.set(name, tf.variable(t, true));
  }
  return { config, tokenizer, vocabIndex: indexOf(tokenizer.vocab), tfidf: tokenizer.tfidf ? indexTfidf(tokenizer.tfidf) : null, vars, classWeights, disposed: false };
}

function predictProbabilities(s: ClassificationState, texts: string[]): Float32Array {
  const C = s.tokenizer.labels.length;
  const out = new Float32Array(texts.length * C);
  const chunk = 256;
  for (let start = 0; start < texts.length; start += chunk) {
    const batch = encodeTexts(s, texts.slice(start, start + chunk));
    // An ensemble predicts the mean of its heads' probabilities (still summing to 1).
    const probs = tf.tidy(() => {
      const ps = heads(s, batch, false).map((l) => tf.softmax(l));
      return ps.length === 1 ? ps[0] : tf.addN(ps).div(ps.length);
    });
    out.set(probs.dataSync(), start * C);
    probs.dispose();
  }
  return out;
}

function argmaxRows(probs: Float32Array, C: number): Int32Array {
  const n = probs.length / C;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (probs[i * C + c] > probs[i * C + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** Accuracy, macro-F1, per-class precision/recall: the evaluation of every classification model (OpenAI baselines too). */
export function reportMetrics(truth: Int32Array, pred: Int32Array, labels: string[]): Evaluation {
  const rep = classificationReport(truth, pred, labels);
  const metrics: Metrics = { accuracy: rep.accuracy, macroF1: rep.macroF1 };
  for (const c of rep.perClass) {
    metrics[`precision/${c.label}`] = c.precision;
    metrics[`recall/${c.label}`] = c.recall;
  }
  return { metrics, details: { perClass: rep.perClass, confusion: rep.confusion, labels: rep.labels } };
}

/** Label indices of eval rows; labels unknown to the model extend the list (the model never predicts them). */
export function truthIndices(labels: string[], rows: ClassificationRow[]): { truth: Int32Array; labels: string[] } {
  const all = [...labels];
  const idx = indexOf(all);
  const truth = Int32Array.from(rows, (r) => {
    let i = idx.get(r.label);
    if (i === undefined) {
      i = all.length;
      all.push(r.label);
      idx.set(r.label, i);
    }
    return i;
  });
  return { truth, labels: all };
}

export const classificationTask: TaskModule<ClassificationRow, ClassificationHyperparameters, ClassificationState, ClassificationBatch, ClassificationPredictor> = {
  task: 'classification',
  hyperparameterSpec: SPEC,
  primaryMetric: { name: 'macroF1', mode: 'max' },

  defaults(nTrain: number): ClassificationHyperparameters {
    return {
      ...commonDefaults(),
      epochs: 30,
      batchSize: 32,
      learningRate: 0.01,
      earlyStoppingPatience: 5,
      weightDecay: 0,
      architecture: 'tfidf',
      embeddingSize: 64,
      hiddenSize: 0,
      kernelSize: 3,
      // Hashed bigrams overfit small sets (PhraseBank: 0.740 accuracy with 20k buckets, 0.754 without).
      buckets: nTrain > 20_000 ? 100_000 : 0,
      wordBigrams: true,
      charNgrams: 0,
      minCount: 1,
      maxTokens: 256,
      dropout: 0.5,
      classWeighting: 'none',
      labelSmoothing: 0.1,
      skipWindow: 4,
      negationScope: 3,
      numberComparisons: true,
      maxFeatures: 500_000,
    };
  },

  checkHyperparameters(hp): HyperparameterError[] {
    if (hp.architecture === 'cnn' && hp.hiddenSize < 1) return [{ field: 'hiddenSize', message: 'hiddenSize (the number of filters) must be at least 1 for architecture cnn' }];
    if (hp.architecture === 'tfidf' && hp.adapterRank > 0) return [{ field: 'adapterRank', message: 'adapterRank needs dense layers: architecture tfidf has none (use bag, tfidf+bag or cnn, or freeze groups instead)' }];
    return [];
  },

  validateData(rows, role) {
    if (role === 'train' && rows.length === 0) throw new MlError('EMPTY_DATASET', 'the training set has no examples');
    rows.forEach((r, i) => {
      if (typeof r.text !== 'string') throw new MlError('BAD_DATA', `row ${i + 1}: text must be a string`, { field: 'text', details: { row: i + 1 } });
      if (typeof r.label !== 'string' || r.label.trim() === '') throw new MlError('BAD_DATA', `row ${i + 1}: label is missing`, { field: 'label', details: { row: i + 1 } });
    });
    if (role === 'train') {
      const labels = new Set(rows.map((r) => r.label));
      if (labels.size < 2) throw new MlError('ONE_CLASS', `the training set has only one label (${[...labels][0]}); a classifier needs at least two`, { field: 'label' });
    }
  },

  init({ train, hp, rng, parent }: InitContext<ClassificationRow, ClassificationHyperparameters, ClassificationState>) {
    const tokenizer = buildTokenizer(train, hp);
    const config: Config = { architecture: hp.architecture, embeddingSize: hp.embeddingSize, hiddenSize: hp.hiddenSize, kernelSize: hp.kernelSize, adapterRank: hp.adapterRank, dropout: hp.dropout, labelSmoothing: hp.labelSmoothing };
    const tensors = new Map<string, tf.Tensor>();
    const normal = () => rng.normal();
    for (const [name, shape, kind] of shapesFor(config, tokenizer)) {
      if (kind === 'zeros') tensors.set(name, tf.zeros(shape));
      else if (kind === 'normal') tensors.set(name, normalInit(shape, 0.1, normal));
      else tensors.set(name, normalInit(shape, Math.sqrt(2 / (shape[0] + shape[1])), normal));
    }
    const counts = new Array<number>(tokenizer.labels.length).fill(0);
    const li = indexOf(tokenizer.labels);
    for (const r of train) counts[li.get(r.label)!]++;
    const weights = Float32Array.from(counts, (c) => (hp.classWeighting === 'balanced' ? train.length / (counts.length * c) : 1));
    const state = makeState(config, tokenizer, tensors, weights);
    tf.dispose([...tensors.values()]);
    if (parent) warmStart(state, parent);
    return state;
  },

  batches(state, rows, { rng, hp }) {
    const li = indexOf(state.tokenizer.labels);
    const order = rng.shuffle(rows.map((_, i) => i));
    const cache = new Map<string, { words: number[]; sparse: ReturnType<typeof tfidfVector> | null }>();
    const out: ClassificationBatch[] = [];
    for (let s = 0; s < order.length; s += hp.batchSize) {
      const chunk = order.slice(s, s + hp.batchSize);
      out.push({ ...encodeTexts(state, chunk.map((i) => rows[i].text), cache), labels: Int32Array.from(chunk, (i) => li.get(rows[i].label)!) });
    }
    return out;
  },

  batchSize: (b) => b.labels.length,

  loss(state, batch, ctx) {
    return tf.tidy(() => {
      const C = state.tokenizer.labels.length;
      const y = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), C);
      const w = tf.tensor1d(Float32Array.from(batch.labels, (l) => state.classWeights[l]));
      // Each head of an ensemble learns on its own loss; their sum trains both in one step.
      const losses = heads(state, batch, ctx.training, ctx.rng).map((logits) => tf.losses.softmaxCrossEntropy(y, logits, w, state.config.labelSmoothing ?? 0));
      return (losses.length === 1 ? losses[0] : tf.addN(losses)) as tf.Scalar;
    });
  },

  parameterGroups(s): ParameterGroup[] {
    const groups = new Map<string, tf.Variable[]>();
    for (const [name, v] of s.vars) {
      const g = name.startsWith('adapter/') ? 'adapters' : name === 'embeddings' ? 'embeddings' : name.startsWith('output/') ? 'output' : name.startsWith('tfidf/') ? 'tfidf' : 'encoder';
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g)!.push(v);
    }
    return [...groups.entries()].map(([name, variables]) => ({ name, variables }));
  },

  async evaluate(state, rows) {
    if (rows.length === 0) return { metrics: {} };
    const probs = predictProbabilities(state, rows.map((r) => r.text));
    const { truth, labels } = truthIndices(state.tokenizer.labels, rows);
    return reportMetrics(truth, argmaxRows(probs, state.tokenizer.labels.length), labels);
  },

  baseline(train, evalRows) {
    if (evalRows.length === 0 || train.length === 0) return {};
    const counts = new Map<string, number>();
    for (const r of train) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
    const majority = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
    const { truth, labels } = truthIndices([...counts.keys()].sort(), evalRows);
    const m = labels.indexOf(majority);
    return reportMetrics(truth, new Int32Array(evalRows.length).fill(m), labels).metrics;
  },

  async serialize(state): Promise<ArtifactFiles> {
    const files = await encodeVariablesModel('classification', { ...state.config, classWeights: Array.from(state.classWeights) }, [...state.vars].map(([name, tensor]) => ({ name, tensor })));
    files[TOKENIZER_FILE] = jsonBytes(state.tokenizer);
    return files;
  },

  async deserialize(files) {
    const { config, tensors } = decodeVariablesModel<Config & { classWeights: number[] }>(files, 'classification');
    const tokenizer = readJson<Tokenizer>(files, TOKENIZER_FILE);
    try {
      const { classWeights, ...c } = config;
      return makeState(c, tokenizer, tensors, Float32Array.from(classWeights));
    } finally {
      tf.dispose([...tensors.values()]);
    }
  },

  dispose(state) {
    if (state.disposed) return;
    state.disposed = true;
    tf.dispose([...state.vars.values()]);
  },

  predictor(state): ClassificationPredictor {
    return {
      task: 'classification',
      async classify(texts: string[]): Promise<ClassPrediction[]> {
        if (state.disposed) throw new MlError('BAD_ARTIFACT', 'this model has been unloaded');
        const C = state.tokenizer.labels.length;
        const probs = predictProbabilities(state, texts.map((t) => (typeof t === 'string' ? t : '')));
        return texts.map((_, i) => {
          const scores: Record<string, number> = {};
          let best = 0;
          for (let c = 0; c < C; c++) {
            scores[state.tokenizer.labels[c]] = probs[i * C + c];
            if (probs[i * C + c] > probs[i * C + best]) best = c;
          }
          return { label: state.tokenizer.labels[best], score: probs[i * C + best], scores };
        });
      },
      inputTruncated: (text) => tokenize(text, state.tokenizer.lowercase).length > state.tokenizer.maxTokens,
    };
  },
};

/**
 * Copies what the parent shares: embedding rows of words both vocabularies contain (and
 * the hashed bigram rows when the bucket counts match), TF-IDF weight rows of features
 * both contain (when the label sets are identical: its columns are labels), and dense
 * layers of the same shape — the output layer only when the label sets are identical.
 */
function warmStart(state: ClassificationState, parent: ClassificationState): void {
  const a = state.config, b = parent.config;
  if (b.architecture !== a.architecture || (hasEmbeddings(a.architecture) && b.embeddingSize !== a.embeddingSize)) {
    throw new MlError('INCOMPATIBLE_PARENT', `parent is a ${b.architecture} model with embeddingSize ${b.embeddingSize}; this run asks for ${a.architecture} with ${a.embeddingSize}`, { field: hasEmbeddings(a.architecture) ? 'embeddingSize' : 'architecture' });
  }
  const sameLabels = state.tokenizer.labels.join('\u0000') === parent.tokenizer.labels.join('\u0000');
  tf.tidy(() => {
    if (hasEmbeddings(a.architecture)) {
      const d = a.embeddingSize;
      const target = state.vars.get('embeddings')!;
      const t = target.dataSync().slice() as Float32Array;
      const p = parent.vars.get('embeddings')!.dataSync() as Float32Array;
      copySharedRows(t, p, d, state.tokenizer.vocab, parent.vocabIndex);
      if (state.tokenizer.buckets === parent.tokenizer.buckets && state.tokenizer.buckets > 0) {
        const sb = state.tokenizer.vocab.length, pb = parent.tokenizer.vocab.length;
        t.set(p.subarray(pb * d, (pb + parent.tokenizer.buckets) * d), sb * d);
      }
      target.assign(tf.tensor(t, target.shape));
    }
    if (state.tfidf && parent.tfidf && sameLabels) {
      const target = state.vars.get('tfidf/kernel')!;
      const t = target.dataSync().slice() as Float32Array;
      copySharedRows(t, parent.vars.get('tfidf/kernel')!.dataSync() as Float32Array, state.tokenizer.labels.length, state.tfidf.table.features, parent.tfidf.index);
      target.assign(tf.tensor(t, target.shape));
    }
    for (const [name, v] of state.vars) {
      if (name === 'embeddings' || name === 'tfidf/kernel' || name.startsWith('adapter/')) continue;
      if ((name.startsWith('output/') || name.startsWith('tfidf/')) && !sameLabels) continue;
      const pv = parent.vars.get(name);
      if (pv && pv.shape.join() === v.shape.join()) v.assign(pv);
    }
  });
}

/** Rows of `source` (keyed by `sourceIndex`) copied into `target` for every key in `keys` both contain. */
function copySharedRows(target: Float32Array, source: Float32Array, width: number, keys: string[], sourceIndex: Map<string, number>): void {
  keys.forEach((k, row) => {
    const from = sourceIndex.get(k);
    if (from !== undefined) target.set(source.subarray(from * width, from * width + width), row * width);
  });
}

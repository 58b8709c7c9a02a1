/**
 * Extractive summarization: a trained sentence scorer picks the best sentence(s) of a
 * document, in document order, trimmed to `maxWords` words.
 *
 * Candidates are the sentences (from `splitSentences`) and, with `clauses` (the default
 * from 5,000 training documents on), for sentences with several
 * clauses (cut at `, ; : ( )`, a spaced dash or an inner full stop), each clause: short
 * targets such as e-mail subject lines often match a clause better than a whole
 * sentence. Each candidate is a hashed bag of words (lower-cased
 * letter/digit tokens, FNV-1a into `buckets` embedding rows, averaged) plus position
 * and shape features (first/second/third sentence, relative position, length, overlap
 * with the rest of the document, question/colon). A one-hidden-layer network scores
 * it; training is listwise: a softmax over a document's sentences against the
 * distribution of their ROUGE-1 F1 with the reference summary.
 *
 * Data handling (documented, never a tensor error): only the first
 * `maxDocumentSentences` sentences of a document (and their clauses) are candidates and only the first
 * `maxSentenceTokens` tokens of a sentence feed its features (a 10,000-token document
 * is summarised from its head); training documents without a sentence or with an
 * empty summary are skipped (`EMPTY_DATASET` when none is left); an empty document
 * summarises to ''.
 *
 * Metrics: ROUGE-1/2/L F1 (rouge-score compatible, mean over documents, ×100).
 * Baseline: lead-1 under the same names (trimmed like the model's output) and lead-3
 * as `lead3_rouge1` … .
 */
import * as tf from '@tensorflow/tfjs';
import { decodeVariablesModel, encodeVariablesModel, jsonBytes, readJson, TOKENIZER_FILE } from '../artifact';
import { commonDefaults } from '../hyperparameters';
import { corpusRouge, rougeScore, rougeTokenize } from '../metrics/rouge';
import { gatherRows } from '../ops';
import { splitSentences } from '../text/sentences';
import {
  MlError,
  type ArtifactFiles,
  type Evaluation,
  type HyperparameterSpec,
  type InitContext,
  type Metrics,
  type ParameterGroup,
  type SummarizationPredictor,
  type SummarizationRow,
  type SummarizeOptions,
  type TaskModule,
  type TrainHyperparameters,
} from '../task';

export interface SummarizationHyperparameters extends TrainHyperparameters {
  buckets: number;
  embeddingSize: number;
  hiddenSize: number;
  /** Sentences in a summary. */
  summarySentences: number;
  /** Words kept of the summary (0 = whole sentences). */
  maxWords: number;
  maxDocumentSentences: number;
  maxSentenceTokens: number;
  /** Temperature of the ROUGE target distribution (smaller = closer to one-hot on the best sentence). */
  targetTemperature: number;
  /** Clauses are candidates too (helps short targets once there is enough data to learn them). */
  clauses: boolean;
}

const SPEC: HyperparameterSpec = {
  buckets: { type: 'int', min: 256, max: 1_048_576, description: 'hashed word-embedding rows' },
  embeddingSize: { type: 'int', min: 4, max: 512, description: 'word embedding width' },
  hiddenSize: { type: 'int', min: 4, max: 1024, description: 'scorer hidden layer width' },
  summarySentences: { type: 'int', min: 1, max: 20, description: 'sentences picked per summary' },
  maxWords: { type: 'int', min: 0, max: 1000, description: 'summary trimmed to this many words; 0 = no trimming' },
  maxDocumentSentences: { type: 'int', min: 1, max: 1000, description: 'only the first N sentences of a document are candidates' },
  maxSentenceTokens: { type: 'int', min: 1, max: 1000, description: 'tokens of a sentence used for its features' },
  targetTemperature: { type: 'number', min: 0.001, max: 10, description: 'temperature of the ROUGE-based training target' },
  clauses: { type: 'boolean', description: 'score clauses of sentences as candidates too' },
};

const N_FEATURES = 15;
/** Candidates per document: sentences plus clauses, capped. */
const CANDIDATES_PER_SENTENCE = 3;

interface Options {
  buckets: number;
  clauses: boolean;
  summarySentences: number;
  maxWords: number;
  maxDocumentSentences: number;
  maxSentenceTokens: number;
}

interface Config {
  buckets: number;
  embeddingSize: number;
  hiddenSize: number;
}

export interface SummarizationState {
  config: Config;
  options: Options;
  vars: Map<string, tf.Variable>;
  cache: WeakMap<SummarizationRow, PreparedDoc | null>;
  disposed: boolean;
}

interface PreparedDoc {
  /** Candidate texts (sentences and clauses). */
  sentences: string[];
  /** Sentence index of each candidate (a summary takes at most one candidate per sentence). */
  sentenceOf: number[];
  ids: number[][];
  features: number[][];
}

export interface SummarizationBatch {
  /** `[docs * sents * tokens]` hashed ids, 0 = padding (row 0 is never trained). */
  ids: Int32Array;
  tokenMask: Float32Array;
  features: Float32Array;
  /** Additive sentence mask: 0 for a real sentence, -1e9 for padding. */
  sentMask: Float32Array;
  targets: Float32Array;
  docs: number;
  sents: number;
  tokens: number;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function trim(text: string, maxWords: number): string {
  if (maxWords <= 0) return text;
  return text.split(/\s+/).filter((w) => w.length > 0).slice(0, maxWords).join(' ');
}

function clauses(sentence: string): string[] {
  const parts = sentence.split(/[,;:()]|\s[-–]\s|\.\s/).map((x) => x.trim()).filter((x) => x.split(/\s+/).length >= 2);
  return parts.length > 1 ? parts : [];
}

function prepare(doc: string, o: Options): PreparedDoc | null {
  const sents = splitSentences(typeof doc === 'string' ? doc : '').slice(0, o.maxDocumentSentences);
  if (sents.length === 0) return null;
  const cands: Array<{ text: string; sent: number; clause: number; clauses: number }> = [];
  sents.forEach((s, i) => {
    cands.push({ text: s, sent: i, clause: -1, clauses: 0 });
    const cl = o.clauses ? clauses(s).slice(0, CANDIDATES_PER_SENTENCE - 1) : [];
    cl.forEach((c, j) => cands.push({ text: c, sent: i, clause: j, clauses: cl.length }));
  });
  const toks = cands.map((c) => rougeTokenize(c.text).slice(0, o.maxSentenceTokens));
  // Document word counts from whole sentences only (clauses would double-count).
  const docCounts = new Map<string, number>();
  cands.forEach((c, k) => { if (c.clause < 0) for (const w of toks[k]) docCounts.set(w, (docCounts.get(w) ?? 0) + 1); });
  const sentCounts = new Map<number, Map<string, number>>();
  cands.forEach((c, k) => {
    if (c.clause >= 0) return;
    const own = new Map<string, number>();
    for (const w of toks[k]) own.set(w, (own.get(w) ?? 0) + 1);
    sentCounts.set(c.sent, own);
  });
  const n = sents.length;
  const features = cands.map((c, k) => {
    const t = toks[k];
    const own = sentCounts.get(c.sent)!;
    let shared = 0;
    for (const w of t) if ((docCounts.get(w) ?? 0) > (own.get(w) ?? 0)) shared++;
    const words = c.text.split(/\s+/).filter((w) => w.length > 0);
    const caps = words.filter((w) => /^\p{Lu}/u.test(w)).length;
    const i = c.sent;
    return [
      i === 0 ? 1 : 0, i === 1 ? 1 : 0, i === 2 ? 1 : 0, n > 1 ? i / (n - 1) : 0,
      Math.log1p(words.length) / 4, words.length <= 3 ? 1 : 0, words.length >= 30 ? 1 : 0,
      c.text.includes('?') ? 1 : 0, t.length > 0 ? shared / t.length : 0, /:\s*$/.test(sents[i]) ? 1 : 0,
      words.length > 0 ? caps / words.length : 0, i === n - 1 ? 1 : 0,
      c.clause >= 0 ? 1 : 0, c.clause === 0 ? 1 : 0, c.clauses > 1 ? c.clause / (c.clauses - 1) : 0,
    ];
  });
  const ids = toks.map((t) => t.map((w) => 1 + (fnv1a(w) % (o.buckets - 1))));
  return { sentences: cands.map((c) => c.text), sentenceOf: cands.map((c) => c.sent), ids, features };
}

function prepared(state: SummarizationState, row: SummarizationRow): PreparedDoc | null {
  let p = state.cache.get(row);
  if (p === undefined) {
    p = prepare(row.document, state.options);
    state.cache.set(row, p);
  }
  return p;
}

function packBatch(docs: PreparedDoc[], targets: number[][] | null): SummarizationBatch {
  const D = docs.length;
  const S = Math.max(1, ...docs.map((d) => d.sentences.length));
  const L = Math.max(1, ...docs.flatMap((d) => d.ids.map((x) => x.length)));
  const ids = new Int32Array(D * S * L);
  const tokenMask = new Float32Array(D * S * L);
  const features = new Float32Array(D * S * N_FEATURES);
  const sentMask = new Float32Array(D * S).fill(-1e9);
  const t = new Float32Array(D * S);
  docs.forEach((d, di) => {
    d.ids.forEach((sid, si) => {
      const base = (di * S + si) * L;
      sid.forEach((id, k) => {
        ids[base + k] = id;
        tokenMask[base + k] = 1;
      });
      features.set(d.features[si], (di * S + si) * N_FEATURES);
      sentMask[di * S + si] = 0;
      if (targets) t[di * S + si] = targets[di][si];
    });
  });
  return { ids, tokenMask, features, sentMask, targets: t, docs: D, sents: S, tokens: L };
}

/** Sentence scores `[docs, sents]` (padding at -1e9). */
function scoreBatch(state: SummarizationState, b: SummarizationBatch): tf.Tensor2D {
  const { embeddingSize: E } = state.config;
  const v = (n: string) => state.vars.get(n)!;
  const n = b.docs * b.sents;
  const emb = gatherRows(v('embeddings'), tf.tensor1d(b.ids, 'int32')).reshape([n, b.tokens, E]);
  const mask = tf.tensor3d(b.tokenMask, [n, b.tokens, 1]);
  const bag = tf.div(tf.sum(tf.mul(emb, mask), 1), tf.maximum(tf.sum(mask, 1), 1)); // [n, E]
  const x = tf.concat([bag, tf.tensor2d(b.features, [n, N_FEATURES])], 1);
  const h = tf.tanh(tf.add(tf.matMul(x, v('hidden/w')), v('hidden/b')));
  const s = tf.add(tf.matMul(h, v('output/w')), v('output/b')).reshape([b.docs, b.sents]);
  return tf.add(s, tf.tensor2d(b.sentMask, [b.docs, b.sents])) as tf.Tensor2D;
}

/** Picks the top sentences of each document (in document order) and trims them. */
async function summarizeDocs(state: SummarizationState, docs: Array<PreparedDoc | null>, k: number, maxWords: number): Promise<string[]> {
  const out = new Array<string>(docs.length).fill('');
  const live = docs.map((d, i) => (d ? i : -1)).filter((i) => i >= 0);
  for (let s = 0; s < live.length; s += 64) {
    const idx = live.slice(s, s + 64);
    const batch = packBatch(idx.map((i) => docs[i]!), null);
    const scores = tf.tidy(() => scoreBatch(state, batch));
    const values = await scores.data();
    scores.dispose();
    idx.forEach((docIndex, j) => {
      const d = docs[docIndex]!;
      const order = d.sentences.map((_, si) => si).sort((a, b) => values[j * batch.sents + b] - values[j * batch.sents + a] || a - b);
      // At most one candidate per sentence, then back into document order.
      const chosen: number[] = [];
      const used = new Set<number>();
      for (const c of order) {
        if (chosen.length >= k) break;
        if (used.has(d.sentenceOf[c])) continue;
        used.add(d.sentenceOf[c]);
        chosen.push(c);
      }
      chosen.sort((a, b) => a - b);
      out[docIndex] = trim(chosen.map((si) => d.sentences[si]).join(' '), maxWords);
    });
  }
  return out;
}

/** ROUGE-1/2/L F1: the evaluation of every summarization model (OpenAI baselines too). */
export function rougeMetrics(targets: string[], predictions: string[], prefix = ''): Metrics {
  const r = corpusRouge(targets, predictions);
  return { [`${prefix}rouge1`]: r.rouge1, [`${prefix}rouge2`]: r.rouge2, [`${prefix}rougeL`]: r.rougeL };
}

function makeState(config: Config, options: Options, tensors: Map<string, tf.Tensor>): SummarizationState {
  const vars = new Map<string, tf.Variable>();
  for (const [name, t] of tensors) vars.set(name, tf.variable(t.clone(), true, `summarization_${++variableCounter}_${name}`));
  return { config, options, vars, cache: new WeakMap(), disposed: false };
}
let variableCounter = 0;

function checkRows(rows: SummarizationRow[]): void {
  rows.forEach((r, i) => {
    if (!r || typeof r.document !== 'string') throw new MlError('BAD_DATA', `row ${i + 1}: document must be a string`, { field: 'document', details: { row: i + 1 } });
    if (typeof r.summary !== 'string') throw new MlError('BAD_DATA', `row ${i + 1}: summary must be a string`, { field: 'summary', details: { row: i + 1 } });
  });
}

export const summarizationTask: TaskModule<SummarizationRow, SummarizationHyperparameters, SummarizationState, SummarizationBatch, SummarizationPredictor> = {
  task: 'summarization',
  hyperparameterSpec: SPEC,
  primaryMetric: { name: 'rouge1', mode: 'max' },

  defaults(nTrain: number): SummarizationHyperparameters {
    return {
      ...commonDefaults(),
      epochs: 8,
      batchSize: 32,
      learningRate: 0.003,
      earlyStoppingPatience: 2,
      buckets: nTrain > 5000 ? 65536 : 8192,
      embeddingSize: 32,
      hiddenSize: 32,
      summarySentences: 1,
      maxWords: 15,
      maxDocumentSentences: 40,
      maxSentenceTokens: 60,
      targetTemperature: 0.1,
      clauses: nTrain > 5000,
    };
  },

  checkHyperparameters(hp) {
    if (hp.adapterRank > 0) return [{ field: 'adapterRank', message: 'adapterRank is not supported for summarization' }];
    return [];
  },

  validateData(rows, role) {
    if (!Array.isArray(rows)) throw new MlError('BAD_DATA', 'rows must be a list');
    checkRows(rows);
    if (role === 'train') {
      if (rows.length === 0) throw new MlError('EMPTY_DATASET', 'the training set has no documents');
      if (!rows.some((r) => r.document.trim() !== '' && rougeTokenize(r.summary).length > 0)) {
        throw new MlError('EMPTY_DATASET', 'every training document or summary is empty');
      }
    }
  },

  init({ hp, rng, parent }: InitContext<SummarizationRow, SummarizationHyperparameters, SummarizationState>) {
    const options: Options = { buckets: hp.buckets, clauses: hp.clauses, summarySentences: hp.summarySentences, maxWords: hp.maxWords, maxDocumentSentences: hp.maxDocumentSentences, maxSentenceTokens: hp.maxSentenceTokens };
    const config: Config = { buckets: hp.buckets, embeddingSize: hp.embeddingSize, hiddenSize: hp.hiddenSize };
    if (parent) {
      const p = parent.config;
      if (p.buckets !== config.buckets || p.embeddingSize !== config.embeddingSize || p.hiddenSize !== config.hiddenSize) {
        throw new MlError('INCOMPATIBLE_PARENT', 'the parent model has other buckets/embeddingSize/hiddenSize; a warm start needs the same', { field: 'parent' });
      }
      return makeState(config, options, new Map([...parent.vars].map(([k, v]) => [k, v as tf.Tensor])));
    }
    const uniform = (shape: [number, number], limit: number) => {
      const values = new Float32Array(shape[0] * shape[1]);
      for (let i = 0; i < values.length; i++) values[i] = (rng.next() * 2 - 1) * limit;
      return tf.tensor2d(values, shape);
    };
    const D = config.embeddingSize + N_FEATURES;
    const tensors = new Map<string, tf.Tensor>([
      ['embeddings', uniform([config.buckets, config.embeddingSize], 0.1)],
      ['hidden/w', uniform([D, config.hiddenSize], Math.sqrt(6 / (D + config.hiddenSize)))],
      ['hidden/b', tf.zeros([config.hiddenSize])],
      ['output/w', uniform([config.hiddenSize, 1], Math.sqrt(6 / (config.hiddenSize + 1)))],
      ['output/b', tf.zeros([1])],
    ]);
    try {
      return makeState(config, options, tensors);
    } finally {
      tf.dispose([...tensors.values()]);
    }
  },

  batches(state, rows, { rng, hp }) {
    const usable: Array<{ doc: PreparedDoc; target: number[] }> = [];
    for (const r of rows) {
      const doc = prepared(state, r);
      if (!doc || rougeTokenize(r.summary).length === 0) continue;
      const f = doc.sentences.map((s) => rougeScore(r.summary, trim(s, hp.maxWords)).rouge1.fmeasure);
      const max = Math.max(...f);
      const e = f.map((x) => Math.exp((x - max) / hp.targetTemperature));
      const z = e.reduce((a, b) => a + b, 0);
      usable.push({ doc, target: e.map((x) => x / z) });
    }
    const order = rng.shuffle(usable.map((_, i) => i));
    const out: SummarizationBatch[] = [];
    for (let i = 0; i < order.length; i += hp.batchSize) {
      const chunk = order.slice(i, i + hp.batchSize).map((k) => usable[k]);
      out.push(packBatch(chunk.map((c) => c.doc), chunk.map((c) => c.target)));
    }
    return out;
  },

  batchSize: (b) => b.docs,

  loss(state, batch) {
    return tf.tidy(() => {
      const logp = tf.logSoftmax(scoreBatch(state, batch));
      const t = tf.tensor2d(batch.targets, [batch.docs, batch.sents]);
      return tf.neg(tf.mean(tf.sum(tf.mul(t, logp), 1))) as tf.Scalar;
    });
  },

  parameterGroups(state): ParameterGroup[] {
    const v = (n: string) => state.vars.get(n)!;
    return [
      { name: 'embeddings', variables: [v('embeddings')] },
      { name: 'scorer', variables: [v('hidden/w'), v('hidden/b'), v('output/w'), v('output/b')] },
    ];
  },

  async evaluate(state, rows): Promise<Evaluation> {
    if (rows.length === 0) return { metrics: {} };
    const preds = await summarizeDocs(state, rows.map((r) => prepared(state, r)), state.options.summarySentences, state.options.maxWords);
    return {
      metrics: rougeMetrics(rows.map((r) => r.summary), preds),
      details: { examples: rows.slice(0, 3).map((r, i) => ({ reference: r.summary, summary: preds[i] })) },
    };
  },

  baseline(train, evalRows) {
    if (evalRows.length === 0) return {};
    const refs = evalRows.map((r) => r.summary);
    const lead = (k: number, maxWords: number) => evalRows.map((r) => trim(splitSentences(r.document).slice(0, k).join(' '), maxWords));
    const maxWords = SUMMARY_BASELINE_WORDS;
    return { ...rougeMetrics(refs, lead(1, maxWords)), ...rougeMetrics(refs, lead(3, 0), 'lead3_'), ...rougeMetrics(refs, lead(1, 0), 'lead1_full_') };
  },

  async serialize(state): Promise<ArtifactFiles> {
    const files = await encodeVariablesModel('summarization', state.config, [...state.vars].map(([name, tensor]) => ({ name, tensor })));
    files[TOKENIZER_FILE] = jsonBytes({ hashing: 'fnv1a', options: state.options });
    return files;
  },

  async deserialize(files) {
    const { config, tensors } = decodeVariablesModel<Config>(files, 'summarization');
    try {
      const { options } = readJson<{ options: Options }>(files, TOKENIZER_FILE);
      for (const name of ['embeddings', 'hidden/w', 'hidden/b', 'output/w', 'output/b']) {
        if (!tensors.has(name)) throw new MlError('BAD_ARTIFACT', `model.json has no weight ${name}`);
      }
      return makeState(config, options, tensors);
    } finally {
      tf.dispose([...tensors.values()]);
    }
  },

  dispose(state) {
    if (state.disposed) return;
    state.disposed = true;
    tf.dispose([...state.vars.values()]);
  },

  predictor(state): SummarizationPredictor {
    return {
      task: 'summarization',
      async summarize(texts: string[], options: SummarizeOptions = {}): Promise<string[]> {
        if (state.disposed) throw new MlError('BAD_ARTIFACT', 'this model has been unloaded');
        const k = options.maxSentences ?? state.options.summarySentences;
        if (!Number.isInteger(k) || k < 1 || k > 100) throw new MlError('INVALID_HYPERPARAMETER', 'maxSentences must be between 1 and 100', { field: 'maxSentences' });
        const maxWords = options.maxLength ?? state.options.maxWords;
        return summarizeDocs(state, texts.map((t) => prepare(typeof t === 'string' ? t : '', state.options)), k, maxWords);
      },
      inputTruncated: (text) => splitSentences(text).length > state.options.maxDocumentSentences,
    };
  },
};

/** lead-1 is trimmed like the model's default output so the comparison is like for like. */
const SUMMARY_BASELINE_WORDS = 15;

/**
 * Recommendation: biased matrix factorisation.
 *
 * Explicit mode (default): r̂(u, i) = μ + b_u + b_i + p_u · q_i, trained on squared
 * error with an L2 penalty on the rows a batch touches (as Surprise's SVD); metrics
 * RMSE / MAE on held-out ratings (predictions clipped to the training rating range),
 * plus HR / NDCG / precision / recall @10 where the relevant items are a user's
 * held-out items rated ≥ `relevantRating`.
 *
 * Implicit mode: every interaction is a positive; each positive is paired with
 * `negatives` items the user never interacted with (sampled with the run's RNG) and the
 * score b_i + p_u · q_i is trained with logistic loss; metrics are the @10 ranking ones
 * over all held-out items.
 *
 * Ranking evaluation ranks every known item the user has not seen in training.
 * Baselines: global mean (RMSE, MAE) and item popularity (ranking).
 * Cold start: an unknown user gets the items with the highest learned bias; an unknown
 * item scores μ + b_u. Unknown `candidates` at predict time throw `UNKNOWN_ITEM`.
 */
import * as tf from '@tensorflow/tfjs';
import { decodeVariablesModel, encodeVariablesModel, jsonBytes, readJson, TOKENIZER_FILE } from '../artifact';
import { commonDefaults } from '../hyperparameters';
import { rankingMetrics, type RankedList } from '../metrics/ranking';
import { mae, rmse } from '../metrics/regression';
import { gatherRows, normalInit } from '../ops';
import {
  MlError,
  type ArtifactFiles,
  type Evaluation,
  type InitContext,
  type Metrics,
  type ParameterGroup,
  type RecommendationPredictor,
  type RecommendationRow,
  type Rng,
  type ScoredItem,
  type TaskModule,
  type TrainHyperparameters,
} from '../task';

export const RANK_K = 10;

export interface RecommendationHyperparameters extends TrainHyperparameters {
  mode: 'explicit' | 'implicit';
  factors: number;
  /** L2 penalty on the factor rows of each batch (per example, as SGD-style MF). */
  l2: number;
  /** L2 penalty on the bias entries of each batch. */
  biasL2: number;
  /** Implicit mode: sampled negatives per positive. */
  negatives: number;
  /** Explicit mode: held-out ratings at or above this count as relevant for ranking metrics. */
  relevantRating: number;
  /** Standard deviation of the initial factors. */
  initStd: number;
}

/** Ids and training interactions, saved as `tokenizer.json`. */
interface Vocabulary {
  users: string[];
  items: string[];
  globalMean: number;
  minRating: number;
  maxRating: number;
  /** Per user index: item indices seen in training. */
  seen: number[][];
  /** Per item index: training interactions (popularity). */
  itemCounts: number[];
}

interface ModelConfig {
  mode: 'explicit' | 'implicit';
  factors: number;
}

export interface RecommendationState {
  config: ModelConfig;
  vocab: Vocabulary;
  userIndex: Map<string, number>;
  itemIndex: Map<string, number>;
  seenSets: Set<number>[];
  userFactors: tf.Variable;
  itemFactors: tf.Variable;
  userBias: tf.Variable;
  itemBias: tf.Variable;
  l2: number;
  biasL2: number;
  relevantRating: number;
  disposed: boolean;
}

export interface RecommendationBatch {
  users: Int32Array;
  items: Int32Array;
  /** Ratings (explicit) or 0/1 labels (implicit). */
  targets: Float32Array;
}

const SPEC = {
  mode: { type: 'enum', values: ['explicit', 'implicit'], description: 'explicit ratings (RMSE) or implicit feedback with sampled negatives (ranking)' },
  factors: { type: 'int', min: 1, max: 512, description: 'latent factors per user and item' },
  l2: { type: 'number', min: 0, max: 10, description: 'L2 penalty on the factors of each batch' },
  biasL2: { type: 'number', min: 0, max: 10, description: 'L2 penalty on the biases of each batch' },
  negatives: { type: 'int', min: 1, max: 100, description: 'implicit mode: sampled negatives per positive' },
  relevantRating: { type: 'number', min: -1e9, max: 1e9, description: 'explicit mode: held-out ratings ≥ this are relevant for HR/NDCG' },
  initStd: { type: 'number', min: 0, max: 1, description: 'standard deviation of the initial factors' },
} as const;

function buildVocabulary(rows: RecommendationRow[]): { vocab: Vocabulary; userIndex: Map<string, number>; itemIndex: Map<string, number> } {
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const users: string[] = [];
  const items: string[] = [];
  // Sorted ids: the same set of rows gives the same indices whatever their order.
  for (const id of [...new Set(rows.map((r) => r.userId))].sort()) { userIndex.set(id, users.length); users.push(id); }
  for (const id of [...new Set(rows.map((r) => r.itemId))].sort()) { itemIndex.set(id, items.length); items.push(id); }
  const seen = users.map(() => new Set<number>());
  const itemCounts = new Array<number>(items.length).fill(0);
  let sum = 0, min = Infinity, max = -Infinity;
  for (const r of rows) {
    const u = userIndex.get(r.userId)!;
    const i = itemIndex.get(r.itemId)!;
    seen[u].add(i);
    itemCounts[i]++;
    sum += r.rating;
    min = Math.min(min, r.rating);
    max = Math.max(max, r.rating);
  }
  return {
    vocab: { users, items, globalMean: sum / rows.length, minRating: min, maxRating: max, seen: seen.map((s) => [...s].sort((a, b) => a - b)), itemCounts },
    userIndex,
    itemIndex,
  };
}

function indexOf(ids: string[]): Map<string, number> {
  return new Map(ids.map((id, i) => [id, i]));
}

function makeState(config: ModelConfig, vocab: Vocabulary, hp: { l2: number; biasL2: number; relevantRating: number }, tensors: { uf: tf.Tensor; if: tf.Tensor; ub: tf.Tensor; ib: tf.Tensor }): RecommendationState {
  return {
    config, vocab, userIndex: indexOf(vocab.users), itemIndex: indexOf(vocab.items),
    seenSets: vocab.seen.map((s) => new Set(s)),
    userFactors: tf.variable(tensors.uf, true, undefined, 'float32'),
    itemFactors: tf.variable(tensors.if, true, undefined, 'float32'),
    userBias: tf.variable(tensors.ub, true, undefined, 'float32'),
    itemBias: tf.variable(tensors.ib, true, undefined, 'float32'),
    l2: hp.l2, biasL2: hp.biasL2, relevantRating: hp.relevantRating, disposed: false,
  };
}

/** Plain-JS copy of the weights for scoring (fast for one user, nothing to leak). */
interface HostWeights {
  uf: Float32Array; itf: Float32Array; ub: Float32Array; ib: Float32Array; k: number;
}

function hostWeights(s: RecommendationState): HostWeights {
  return {
    uf: s.userFactors.dataSync() as Float32Array, itf: s.itemFactors.dataSync() as Float32Array,
    ub: s.userBias.dataSync() as Float32Array, ib: s.itemBias.dataSync() as Float32Array, k: s.config.factors,
  };
}

function predictRaw(s: RecommendationState, w: HostWeights, u: number | undefined, i: number | undefined): number {
  const explicit = s.config.mode === 'explicit';
  let v = explicit ? s.vocab.globalMean : 0;
  if (u !== undefined) v += w.ub[u];
  if (i !== undefined) v += w.ib[i];
  if (u !== undefined && i !== undefined) {
    let dot = 0;
    for (let f = 0; f < w.k; f++) dot += w.uf[u * w.k + f] * w.itf[i * w.k + f];
    v += dot;
  }
  return v;
}

function clipRating(s: RecommendationState, v: number): number {
  return Math.min(s.vocab.maxRating, Math.max(s.vocab.minRating, v));
}

/** Scores of every item for user `u` (or bias-only for an unknown user). */
function scoreAll(s: RecommendationState, w: HostWeights, u: number | undefined): Float32Array {
  const n = s.vocab.items.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = predictRaw(s, w, u, i);
  return out;
}

/** Indices of the top `k` scores, excluding `exclude`, best first; ties broken by lower index. */
function topK(scores: Float32Array, k: number, exclude?: Set<number>, allowed?: number[]): number[] {
  const pool = allowed ?? Array.from({ length: scores.length }, (_, i) => i);
  const heap: number[] = [];
  const better = (a: number, b: number) => scores[a] > scores[b] || (scores[a] === scores[b] && a < b);
  for (const i of pool) {
    if (exclude?.has(i)) continue;
    if (heap.length < k) {
      heap.push(i);
      heap.sort((a, b) => (better(a, b) ? -1 : 1));
    } else if (better(i, heap[heap.length - 1])) {
      heap[heap.length - 1] = i;
      heap.sort((a, b) => (better(a, b) ? -1 : 1));
    }
  }
  return heap;
}

function rankingLists(s: RecommendationState, rows: RecommendationRow[], score: (u: number) => Float32Array): RankedList[] {
  const relevant = new Map<number, Set<string>>();
  for (const r of rows) {
    const u = s.userIndex.get(r.userId);
    if (u === undefined || !s.itemIndex.has(r.itemId)) continue;
    if (s.config.mode === 'explicit' && r.rating < s.relevantRating) continue;
    if (!relevant.has(u)) relevant.set(u, new Set());
    relevant.get(u)!.add(r.itemId);
  }
  const lists: RankedList[] = [];
  for (const [u, rel] of [...relevant.entries()].sort((a, b) => a[0] - b[0])) {
    const top = topK(score(u), RANK_K, s.seenSets[u]);
    lists.push({ ranked: top.map((i) => s.vocab.items[i]), relevant: rel });
  }
  return lists;
}

function rankingToMetrics(lists: RankedList[]): Metrics {
  const m = rankingMetrics(lists, RANK_K);
  return { [`hr@${RANK_K}`]: m.hitRate, [`ndcg@${RANK_K}`]: m.ndcg, [`precision@${RANK_K}`]: m.precision, [`recall@${RANK_K}`]: m.recall };
}

function sampleNegative(rng: Rng, nItems: number, seen: Set<number>): number {
  if (seen.size >= nItems) return rng.int(nItems);
  for (;;) {
    const i = rng.int(nItems);
    if (!seen.has(i)) return i;
  }
}

export const recommendationTask: TaskModule<RecommendationRow, RecommendationHyperparameters, RecommendationState, RecommendationBatch, RecommendationPredictor> = {
  task: 'recommendation',
  hyperparameterSpec: SPEC,
  primaryMetric: { name: 'rmse', mode: 'min' },
  primaryMetricFor: (hp) => (hp.mode === 'implicit' ? { name: `ndcg@${RANK_K}`, mode: 'max' } : { name: 'rmse', mode: 'min' }),

  defaults(nTrain: number): RecommendationHyperparameters {
    return {
      ...commonDefaults(),
      epochs: 40,
      batchSize: nTrain > 50_000 ? 1024 : 256,
      learningRate: 0.003,
      earlyStoppingPatience: 3,
      mode: 'explicit',
      factors: 64,
      l2: 0.1,
      biasL2: 0.001,
      negatives: 4,
      relevantRating: 4,
      initStd: 0.05,
    };
  },

  validateData(rows, role) {
    if (role === 'train' && rows.length === 0) throw new MlError('EMPTY_DATASET', 'the training set has no ratings');
    rows.forEach((r, line) => {
      if (typeof r.userId !== 'string' || r.userId === '') throw new MlError('BAD_DATA', `row ${line + 1}: userId is missing`, { field: 'userId', details: { row: line + 1 } });
      if (typeof r.itemId !== 'string' || r.itemId === '') throw new MlError('BAD_DATA', `row ${line + 1}: itemId is missing`, { field: 'itemId', details: { row: line + 1 } });
      if (typeof r.rating !== 'number' || !Number.isFinite(r.rating)) {
        throw new MlError('BAD_DATA', `row ${line + 1}: rating must be a finite number (got ${String(r.rating)})`, { field: 'rating', details: { row: line + 1 } });
      }
    });
  },

  init({ train, hp, rng, parent }: InitContext<RecommendationRow, RecommendationHyperparameters, RecommendationState>) {
    const { vocab } = buildVocabulary(train);
    const k = hp.factors;
    const normal = () => rng.normal();
    const uf = normalInit([vocab.users.length, k], hp.initStd, normal);
    const itf = normalInit([vocab.items.length, k], hp.initStd, normal);
    const ub = tf.zeros([vocab.users.length]);
    const ib = tf.zeros([vocab.items.length]);
    const state = makeState({ mode: hp.mode, factors: k }, vocab, hp, { uf, if: itf, ub, ib });
    tf.dispose([uf, itf, ub, ib]);
    if (parent) warmStart(state, parent);
    return state;
  },

  batches(state, rows, { rng, hp }) {
    const nItems = state.vocab.items.length;
    const idx: Array<[number, number, number]> = [];
    for (const r of rows) {
      const u = state.userIndex.get(r.userId)!;
      const i = state.itemIndex.get(r.itemId)!;
      if (hp.mode === 'explicit') idx.push([u, i, r.rating]);
      else {
        idx.push([u, i, 1]);
        for (let n = 0; n < hp.negatives; n++) idx.push([u, sampleNegative(rng, nItems, state.seenSets[u]), 0]);
      }
    }
    rng.shuffle(idx);
    const out: RecommendationBatch[] = [];
    for (let s = 0; s < idx.length; s += hp.batchSize) {
      const chunk = idx.slice(s, s + hp.batchSize);
      out.push({
        users: Int32Array.from(chunk, (c) => c[0]),
        items: Int32Array.from(chunk, (c) => c[1]),
        targets: Float32Array.from(chunk, (c) => c[2]),
      });
    }
    return out;
  },

  batchSize: (b) => b.users.length,

  loss(state, batch) {
    return tf.tidy(() => {
      const u = tf.tensor1d(batch.users, 'int32');
      const i = tf.tensor1d(batch.items, 'int32');
      const y = tf.tensor1d(batch.targets);
      const pu = gatherRows(state.userFactors, u);
      const qi = gatherRows(state.itemFactors, i);
      const bu = gatherRows(state.userBias, u);
      const bi = gatherRows(state.itemBias, i);
      const dot = pu.mul(qi).sum(1);
      const reg = pu.square().sum(1).add(qi.square().sum(1)).mean().mul(state.l2).add(bu.square().add(bi.square()).mean().mul(state.biasL2));
      if (state.config.mode === 'explicit') {
        const pred = dot.add(bu).add(bi).add(state.vocab.globalMean);
        return pred.sub(y).square().mean().add(reg) as tf.Scalar;
      }
      const logits = dot.add(bi);
      return tf.losses.sigmoidCrossEntropy(y, logits).add(reg) as tf.Scalar;
    });
  },

  parameterGroups: (s): ParameterGroup[] => [
    { name: 'userFactors', variables: [s.userFactors] },
    { name: 'itemFactors', variables: [s.itemFactors] },
    { name: 'biases', variables: [s.userBias, s.itemBias] },
  ],

  async evaluate(state, rows): Promise<Evaluation> {
    const w = hostWeights(state);
    const metrics: Metrics = {};
    if (rows.length === 0) return { metrics };
    if (state.config.mode === 'explicit') {
      const pred = rows.map((r) => clipRating(state, predictRaw(state, w, state.userIndex.get(r.userId), state.itemIndex.get(r.itemId))));
      const truth = rows.map((r) => r.rating);
      metrics.rmse = rmse(pred, truth);
      metrics.mae = mae(pred, truth);
    }
    Object.assign(metrics, rankingToMetrics(rankingLists(state, rows, (u) => scoreAll(state, w, u))));
    let unknown = 0;
    for (const r of rows) if (!state.userIndex.has(r.userId) || !state.itemIndex.has(r.itemId)) unknown++;
    return { metrics, details: { rows: rows.length, rowsWithUnseenUserOrItem: unknown } };
  },

  baseline(train, evalRows) {
    if (evalRows.length === 0 || train.length === 0) return {};
    const { vocab, userIndex, itemIndex } = buildVocabulary(train);
    const metrics: Metrics = {};
    metrics.rmse = rmse(evalRows.map(() => vocab.globalMean), evalRows.map((r) => r.rating));
    metrics.mae = mae(evalRows.map(() => vocab.globalMean), evalRows.map((r) => r.rating));
    // Popularity: rank by training interaction count; only the ranking part of a state is needed.
    const pop = Float32Array.from(vocab.itemCounts);
    const fake = { userIndex, itemIndex, vocab, seenSets: vocab.seen.map((s) => new Set(s)), relevantRating: 4, config: { mode: 'explicit', factors: 0 } } as unknown as RecommendationState;
    Object.assign(metrics, rankingToMetrics(rankingLists(fake, evalRows, () => pop)));
    return metrics;
  },

  async serialize(state): Promise<ArtifactFiles> {
    const files = await encodeVariablesModel('recommendation', { ...state.config, l2: state.l2, biasL2: state.biasL2, relevantRating: state.relevantRating }, [
      { name: 'userFactors', tensor: state.userFactors },
      { name: 'itemFactors', tensor: state.itemFactors },
      { name: 'userBias', tensor: state.userBias },
      { name: 'itemBias', tensor: state.itemBias },
    ]);
    files[TOKENIZER_FILE] = jsonBytes(state.vocab);
    return files;
  },

  async deserialize(files) {
    const { config, tensors } = decodeVariablesModel<ModelConfig & { l2: number; biasL2: number; relevantRating: number }>(files, 'recommendation');
    const vocab = readJson<Vocabulary>(files, TOKENIZER_FILE);
    const get = (n: string) => {
      const t = tensors.get(n);
      if (!t) throw new MlError('BAD_ARTIFACT', `recommendation artifact has no ${n} weights`);
      return t;
    };
    try {
      const uf = get('userFactors'), itf = get('itemFactors');
      if (uf.shape[0] !== vocab.users.length || itf.shape[0] !== vocab.items.length || uf.shape[1] !== config.factors) {
        throw new MlError('BAD_ARTIFACT', 'recommendation weights do not match the id vocabulary');
      }
      return makeState({ mode: config.mode, factors: config.factors }, vocab, config, { uf, if: itf, ub: get('userBias'), ib: get('itemBias') });
    } finally {
      tf.dispose([...tensors.values()]);
    }
  },

  dispose(state) {
    if (state.disposed) return;
    state.disposed = true;
    tf.dispose([state.userFactors, state.itemFactors, state.userBias, state.itemBias]);
  },

  predictor(state): RecommendationPredictor {
    const w = hostWeights(state);
    const popularOrder = topK(Float32Array.from(w.ib), state.vocab.items.length);
    return {
      task: 'recommendation',
      async recommend(userId: string, limit: number, options = {}): Promise<ScoredItem[]> {
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new MlError('BAD_DATA', 'limit must be between 1 and 1000', { field: 'limit' });
        const u = state.userIndex.get(userId);
        const exclude = options.excludeSeen === false || u === undefined ? undefined : state.seenSets[u];
        let allowed: number[] | undefined;
        if (options.candidates) {
          allowed = options.candidates.map((id) => {
            const i = state.itemIndex.get(id);
            if (i === undefined) throw new MlError('UNKNOWN_ITEM', `item "${id}" is not known to this model`, { field: 'candidates', details: { itemId: id } });
            return i;
          });
        }
        if (u === undefined && !allowed) {
          // Cold start: most popular by learned item bias.
          return popularOrder.slice(0, limit).map((i) => ({ itemId: state.vocab.items[i], score: predictRaw(state, w, undefined, i) }));
        }
        const scores = scoreAll(state, w, u);
        return topK(scores, limit, exclude, allowed).map((i) => ({ itemId: state.vocab.items[i], score: scores[i] }));
      },
      async predictRating(userId: string, itemId: string): Promise<number> {
        const v = predictRaw(state, w, state.userIndex.get(userId), state.itemIndex.get(itemId));
        return state.config.mode === 'explicit' ? clipRating(state, v) : 1 / (1 + Math.exp(-v));
      },
      knowsUser: (userId) => state.userIndex.has(userId),
    };
  },
};

/** Copies the parent's rows for every user / item both models know. */
function warmStart(state: RecommendationState, parent: RecommendationState): void {
  if (parent.config.factors !== state.config.factors) {
    throw new MlError('INCOMPATIBLE_PARENT', `parent has ${parent.config.factors} factors, this run ${state.config.factors}`, { field: 'factors' });
  }
  const copy = (target: tf.Variable, source: tf.Variable, ids: string[], parentIndex: Map<string, number>, width: number) => {
    const t = target.dataSync().slice() as Float32Array;
    const s = source.dataSync() as Float32Array;
    ids.forEach((id, row) => {
      const p = parentIndex.get(id);
      if (p === undefined) return;
      for (let f = 0; f < width; f++) t[row * width + f] = s[p * width + f];
    });
    target.assign(tf.tensor(t, target.shape));
  };
  tf.tidy(() => {
    copy(state.userFactors, parent.userFactors, state.vocab.users, parent.userIndex, state.config.factors);
    copy(state.itemFactors, parent.itemFactors, state.vocab.items, parent.itemIndex, state.config.factors);
    copy(state.userBias, parent.userBias, state.vocab.users, parent.userIndex, 1);
    copy(state.itemBias, parent.itemBias, state.vocab.items, parent.itemIndex, 1);
  });
}

/**
 * Encoder–decoder with attention, written directly on tf ops (no Layers model) so it
 * trains on the wasm backend and stays fast there:
 *
 * - encoder: bidirectional GRU over source embeddings (input projections for all
 *   steps in one matMul; only `h @ Wh` runs per step; padded steps keep their state);
 * - decoder: GRU over target embeddings (teacher forcing), initial state from the
 *   encoder's final states through a tanh bridge;
 * - attention: Luong "general" (scores = h_dec · (Wa · enc)), computed for all decoder
 *   steps at once with batched matMuls, padded source positions masked;
 * - output: tanh(W [h_dec; context]) → dropout → vocabulary logits.
 *
 * Embedding lookups use `gatherRows` (a gather whose gradient is a `scatterND`: the
 * wasm backend has no UnsortedSegmentSum kernel).
 * Decoding: batched greedy, and beam search with length normalisation.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherRows } from '../ops';
import { BOS_ID, EOS_ID, PAD_ID } from '../text/tokenizer';

export interface Seq2SeqConfig {
  srcVocab: number;
  tgtVocab: number;
  embedSize: number;
  hiddenSize: number;
  dropout: number;
  labelSmoothing: number;
}

/** A padded batch: ids row-major `[batch, length]`, 0 = `<pad>`. */
export interface PaddedBatch {
  ids: Int32Array;
  batch: number;
  length: number;
}

export interface Seq2SeqBatch {
  src: PaddedBatch;
  /** `<s> y1 … yn` */
  tgtIn: PaddedBatch;
  /** `y1 … yn </s>` */
  tgtOut: PaddedBatch;
}

const WEIGHT_NAMES = [
  'srcEmb', 'tgtEmb',
  'encFwdWx', 'encFwdWh', 'encFwdB', 'encFwdBh',
  'encBwdWx', 'encBwdWh', 'encBwdB', 'encBwdBh',
  'bridgeW', 'bridgeB',
  'decWx', 'decWh', 'decB', 'decBh',
  'attnW', 'combW', 'outW', 'outB',
] as const;
export type Seq2SeqWeightName = (typeof WEIGHT_NAMES)[number];

/** Pads id sequences to the longest one; `prefix`/`suffix` ids are added to each. */
export function padBatch(seqs: readonly (readonly number[])[], prefix: number[] = [], suffix: number[] = []): PaddedBatch {
  const length = Math.max(1, ...seqs.map((s) => s.length + prefix.length + suffix.length));
  const ids = new Int32Array(seqs.length * length);
  seqs.forEach((s, b) => {
    const row = [...prefix, ...s, ...suffix];
    ids.set(row, b * length);
  });
  return { ids, batch: seqs.length, length };
}

export function makeBatch(src: readonly (readonly number[])[], tgt: readonly (readonly number[])[]): Seq2SeqBatch {
  return { src: padBatch(src), tgtIn: padBatch(tgt, [BOS_ID]), tgtOut: padBatch(tgt, [], [EOS_ID]) };
}

/*
 * The wasm backend runs matMul with a transposed operand ~10x slower than a plain one,
 * and tfjs' matMul gradient uses transposed operands. These wrappers materialise the
 * transposes instead (a cheap copy) so forward and backward stay on the fast path.
 */
type Args = Array<tf.Tensor | tf.GradSaveFunc>;

const mm = tf.customGrad((...args: Args) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]): tf.Tensor[] => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)),
      tf.matMul(tf.transpose(sa), dy as tf.Tensor2D),
    ],
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;

const bmm = tf.customGrad((...args: Args) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]): tf.Tensor[] => [
      tf.matMul(dy as tf.Tensor3D, tf.transpose(sb, [0, 2, 1])),
      tf.matMul(tf.transpose(sa, [0, 2, 1]), dy as tf.Tensor3D),
    ],
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor3D;

/**
 * Per-row label-smoothed cross-entropy from logits `[N,V]` and a one-hot target `[N,V]`:
 * lse − (1−ε)·logit_y − ε·mean(logits), with the gradient softmax − (1−ε)·onehot − ε/V
 * written out (cheaper than differentiating logSoftmax on wasm).
 */
function smoothedXent(eps: number) {
  return tf.customGrad((...args: Args) => {
    const [logits, onehot, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const lse = tf.logSumExp(logits, 1, true);
    save([logits, onehot, lse]);
    const picked = tf.sum(tf.mul(onehot, logits), 1, true);
    let loss = tf.sub(lse, picked);
    if (eps > 0) loss = tf.sub(tf.sub(lse, tf.mul(picked, 1 - eps)), tf.mul(tf.mean(logits, 1, true), eps));
    return {
      value: loss.reshape([-1]) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, [sl, so, slse]: tf.Tensor[]): tf.Tensor[] => {
        const V = sl.shape[1] as number;
        let g = tf.sub(tf.exp(tf.sub(sl, slse)), tf.mul(so, 1 - eps));
        if (eps > 0) g = tf.sub(g, eps / V);
        return [tf.mul(g, dy.reshape([-1, 1])), tf.zerosLike(so)];
      },
    };
  }) as (logits: tf.Tensor, onehot: tf.Tensor) => tf.Tensor1D;
}

interface GruWeights {
  wx: tf.Tensor2D;
  wh: tf.Tensor2D;
  b: tf.Tensor1D;
  bh: tf.Tensor1D;
}

/** One GRU step (reset gate applied after the recurrent matMul, as Keras/cuDNN). */
function gruStep(xProj: tf.Tensor2D, h: tf.Tensor2D, w: GruWeights, hidden: number): tf.Tensor2D {
  const hProj = tf.add(mm(h, w.wh), w.bh) as tf.Tensor2D;
  const [xz, xr, xh] = tf.split(xProj, [hidden, hidden, hidden], 1);
  const [hz, hr, hh] = tf.split(hProj, [hidden, hidden, hidden], 1);
  const z = tf.sigmoid(tf.add(xz, hz));
  const r = tf.sigmoid(tf.add(xr, hr));
  const cand = tf.tanh(tf.add(xh, tf.mul(r, hh)));
  return tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), cand)) as tf.Tensor2D;
}

/** tf variable names must be unique per process. */
let variableCounter = 0;

export class Seq2SeqModel {
  readonly weights: Map<Seq2SeqWeightName, tf.Variable>;
  private disposed = false;

  /**
   * Fresh weights (Glorot-uniform matrices, small uniform embeddings, zero biases) drawn
   * from `init.next` on the host, so they do not depend on the backend; or copies of
   * the named tensors of a saved model.
   */
  constructor(readonly config: Seq2SeqConfig, init: { next: () => number } | Map<string, tf.Tensor>) {
    this.weights = new Map();
    const { srcVocab, tgtVocab, embedSize: E, hiddenSize: H } = config;
    const shapes: Record<Seq2SeqWeightName, number[]> = {
      srcEmb: [srcVocab, E], tgtEmb: [tgtVocab, E],
      encFwdWx: [E, 3 * H], encFwdWh: [H, 3 * H], encFwdB: [3 * H], encFwdBh: [3 * H],
      encBwdWx: [E, 3 * H], encBwdWh: [H, 3 * H], encBwdB: [3 * H], encBwdBh: [3 * H],
      bridgeW: [2 * H, H], bridgeB: [H],
      decWx: [E, 3 * H], decWh: [H, 3 * H], decB: [3 * H], decBh: [3 * H],
      attnW: [2 * H, H], combW: [3 * H, H], outW: [H, tgtVocab], outB: [tgtVocab],
    };
    for (const name of WEIGHT_NAMES) {
      const shape = shapes[name];
      let value: tf.Tensor;
      if (init instanceof Map) {
        const t = init.get(name);
        if (!t || t.shape.join(',') !== shape.join(',')) {
          throw new Error(`seq2seq weight ${name} missing or of shape ${t?.shape.join('x')} (expected ${shape.join('x')})`);
        }
        value = t.clone();
      } else if (shape.length === 1) {
        value = tf.zeros(shape);
      } else {
        const limit = name.endsWith('Emb') ? 0.1 : Math.sqrt(6 / (shape[0] + shape[1]));
        const values = new Float32Array(shape[0] * shape[1]);
        for (let i = 0; i < values.length; i++) values[i] = (init.next() * 2 - 1) * limit;
        value = tf.tensor2d(values, shape as [number, number]);
      }
      this.weights.set(name, tf.variable(value, true, `seq2seq_${++variableCounter}_${name}`));
      value.dispose();
    }
  }

  private w(name: Seq2SeqWeightName): tf.Variable {
    const v = this.weights.get(name);
    if (!v) throw new Error(`seq2seq weight ${name} missing`);
    return v;
  }

  private gru(prefix: 'encFwd' | 'encBwd' | 'dec'): GruWeights {
    return {
      wx: this.w(`${prefix}Wx` as Seq2SeqWeightName) as tf.Tensor as tf.Tensor2D,
      wh: this.w(`${prefix}Wh` as Seq2SeqWeightName) as tf.Tensor as tf.Tensor2D,
      b: this.w(`${prefix}B` as Seq2SeqWeightName) as tf.Tensor as tf.Tensor1D,
      bh: this.w(`${prefix}Bh` as Seq2SeqWeightName) as tf.Tensor as tf.Tensor1D,
    };
  }

  /** Parameter groups for freezing: embeddings, encoder, decoder (incl. attention and output). */
  groups(): Record<'embeddings' | 'encoder' | 'decoder', tf.Variable[]> {
    const pick = (names: Seq2SeqWeightName[]) => names.map((n) => this.w(n));
    return {
      embeddings: pick(['srcEmb', 'tgtEmb']),
      encoder: pick(['encFwdWx', 'encFwdWh', 'encFwdB', 'encFwdBh', 'encBwdWx', 'encBwdWh', 'encBwdB', 'encBwdBh', 'bridgeW', 'bridgeB']),
      decoder: pick(['decWx', 'decWh', 'decB', 'decBh', 'attnW', 'combW', 'outW', 'outB']),
    };
  }

  paramCount(): number {
    let n = 0;
    for (const v of this.weights.values()) n += v.size;
    return n;
  }

  /**
   * Encodes a source batch. Returns encoder states `[B,S,2H]`, their attention keys
   * `[B,S,H]` (Wa · enc, precomputed once), the additive mask `[B,1,S]` (0 or -1e9) and
   * the decoder's initial state `[B,H]`.
   */
  encode(src: PaddedBatch, dropout: { rate: number; seed: () => number } | null): { enc: tf.Tensor3D; keys: tf.Tensor3D; maskAdd: tf.Tensor3D; h0: tf.Tensor2D } {
    const H = this.config.hiddenSize;
    const B = src.batch;
    const S = src.length;
    // Time-major layout: per-step slices are contiguous (wasm's Unpack is slow).
    const tm = timeMajor(src);
    const maskArr = new Float32Array(B * S);
    for (let i = 0; i < tm.length; i++) maskArr[i] = tm[i] === PAD_ID ? 0 : 1;
    const mask = tf.tensor2d(maskArr, [S * B, 1]);
    let emb = gatherRows(this.w('srcEmb'), tf.tensor1d(tm, 'int32')) as tf.Tensor2D; // [S*B, E]
    if (dropout && dropout.rate > 0) emb = tf.dropout(emb, dropout.rate, undefined, dropout.seed()) as tf.Tensor2D;
    const masks = tf.split(mask, S, 0) as tf.Tensor2D[];
    const run = (w: GruWeights, reverse: boolean): { out: tf.Tensor3D; last: tf.Tensor2D } => {
      const steps = tf.split(tf.add(mm(emb, w.wx), w.b), S, 0) as tf.Tensor2D[];
      let h = tf.zeros([B, H]) as tf.Tensor2D;
      const outs: tf.Tensor2D[] = new Array(S);
      for (let k = 0; k < S; k++) {
        const t = reverse ? S - 1 - k : k;
        const hNew = gruStep(steps[t], h, w, H);
        h = tf.add(tf.mul(masks[t], hNew), tf.mul(tf.sub(1, masks[t]), h)) as tf.Tensor2D;
        outs[t] = tf.mul(h, masks[t]) as tf.Tensor2D;
      }
      return { out: tf.transpose(tf.concat(outs, 0).reshape([S, B, H]), [1, 0, 2]) as tf.Tensor3D, last: h };
    };
    const fwd = run(this.gru('encFwd'), false);
    const bwd = run(this.gru('encBwd'), true);
    const enc = tf.concat([fwd.out, bwd.out], 2) as tf.Tensor3D; // [B,S,2H]
    const h0 = tf.tanh(tf.add(mm(tf.concat([fwd.last, bwd.last], 1), this.w('bridgeW')), this.w('bridgeB'))) as tf.Tensor2D;
    // Keys are stored transposed ([B,H,S]) so the score matMul needs no transpose flag.
    const keys = tf.transpose(mm(enc.reshape([B * S, 2 * H]), this.w('attnW')).reshape([B, S, H]), [0, 2, 1]) as tf.Tensor3D;
    const maskAdd = tf.mul(tf.sub(1, tf.transpose(mask.reshape([S, B]))), -1e9).reshape([B, 1, S]) as tf.Tensor3D;
    return { enc, keys, maskAdd, h0 };
  }

  /** Attention + output layer for decoder states `hDec [B,T,H]` → logits `[B*T, V]`. */
  private readout(hDec: tf.Tensor3D, enc: tf.Tensor3D, keys: tf.Tensor3D, maskAdd: tf.Tensor3D, dropout: { rate: number; seed: () => number } | null): tf.Tensor2D {
    const H = this.config.hiddenSize;
    const [B, T] = hDec.shape;
    const scores = tf.add(bmm(hDec, keys), maskAdd); // [B,T,S]
    const attn = tf.softmax(scores);
    const ctx = bmm(attn, enc); // [B,T,2H]
    const both = tf.concat([hDec, ctx], 2).reshape([B * T, 3 * H]) as tf.Tensor2D;
    let comb = tf.tanh(mm(both, this.w('combW'))) as tf.Tensor2D;
    if (dropout && dropout.rate > 0) comb = tf.dropout(comb, dropout.rate, undefined, dropout.seed()) as tf.Tensor2D;
    return tf.add(mm(comb, this.w('outW')), this.w('outB')) as tf.Tensor2D;
  }

  /** Token-level mean cross-entropy (label-smoothed) over non-pad targets, teacher forcing. */
  loss(batch: Seq2SeqBatch, training: boolean, seed: () => number): tf.Scalar {
    const H = this.config.hiddenSize;
    const V = this.config.tgtVocab;
    const drop = training && this.config.dropout > 0 ? { rate: this.config.dropout, seed } : null;
    const { enc, keys, maskAdd, h0 } = this.encode(batch.src, drop);
    const B = batch.tgtIn.batch;
    const T = batch.tgtIn.length;
    let emb = gatherRows(this.w('tgtEmb'), tf.tensor1d(timeMajor(batch.tgtIn), 'int32')) as tf.Tensor2D; // [T*B, E]
    if (drop) emb = tf.dropout(emb, drop.rate, undefined, drop.seed()) as tf.Tensor2D;
    const w = this.gru('dec');
    const steps = tf.split(tf.add(mm(emb, w.wx), w.b), T, 0) as tf.Tensor2D[];
    let h = h0;
    const hs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      h = gruStep(steps[t], h, w, H);
      hs.push(h);
    }
    const hDec = tf.transpose(tf.concat(hs, 0).reshape([T, B, H]), [1, 0, 2]) as tf.Tensor3D;
    const logits = this.readout(hDec, enc, keys, maskAdd, drop);
    const targets = tf.tensor1d(batch.tgtOut.ids, 'int32');
    const onehot = tf.oneHot(targets, V).toFloat();
    const perToken = smoothedXent(training ? this.config.labelSmoothing : 0)(logits, onehot); // [B*T]
    const tokMask = tf.notEqual(targets, PAD_ID).toFloat();
    return tf.div(tf.sum(tf.mul(perToken, tokMask)), tf.maximum(tf.sum(tokMask), 1)) as tf.Scalar;
  }

  /** One decoder step for `prev` ids → logits `[N,V]` and the new state. */
  private step(prev: tf.Tensor1D, h: tf.Tensor2D, enc: tf.Tensor3D, keys: tf.Tensor3D, maskAdd: tf.Tensor3D): { logits: tf.Tensor2D; h: tf.Tensor2D } {
    const H = this.config.hiddenSize;
    const w = this.gru('dec');
    const emb = tf.gather(this.w('tgtEmb'), prev) as tf.Tensor2D;
    const hNew = gruStep(tf.add(mm(emb, w.wx), w.b) as tf.Tensor2D, h, w, H);
    return { logits: this.readout(hNew.reshape([hNew.shape[0], 1, H]) as tf.Tensor3D, enc, keys, maskAdd, null), h: hNew };
  }

  /** One decoder step → log-probabilities `[N,V]` (beam search scores them) and the new state. */
  private stepLogProbs(prev: tf.Tensor1D, h: tf.Tensor2D, enc: tf.Tensor3D, keys: tf.Tensor3D, maskAdd: tf.Tensor3D): { logp: tf.Tensor2D; h: tf.Tensor2D } {
    const r = this.step(prev, h, enc, keys, maskAdd);
    return { logp: tf.logSoftmax(r.logits) as tf.Tensor2D, h: r.h };
  }

  /** One greedy decoder step: the most likely next id of each row (argmax of the logits: no softmax needed) and the new state. */
  private greedyStep(prev: tf.Tensor1D, h: tf.Tensor2D, enc: tf.Tensor3D, keys: tf.Tensor3D, maskAdd: tf.Tensor3D): { ids: tf.Tensor1D; h: tf.Tensor2D } {
    const r = this.step(prev, h, enc, keys, maskAdd);
    return { ids: tf.argMax(r.logits, 1).toInt() as tf.Tensor1D, h: r.h };
  }

  /**
   * Batched greedy decoding. Returns token ids per source, without `</s>`. Rows that have finished
   * (`</s>` or their length limit) leave the batch, so a batch costs what its live rows cost, not
   * its size times its longest output.
   */
  async greedy(src: PaddedBatch, maxLen: (i: number) => number): Promise<number[][]> {
    const B = src.batch;
    const out: number[][] = Array.from({ length: B }, () => []);
    const first = tf.tidy(() => this.encode(src, null));
    let state = { enc: first.enc, keys: first.keys, maskAdd: first.maskAdd, h: first.h0, prev: tf.fill([B], BOS_ID, 'int32') as tf.Tensor1D };
    /** Row of the current state → source index. */
    let rows = Array.from({ length: B }, (_, i) => i);
    const release = () => tf.dispose([state.enc, state.keys, state.maskAdd, state.h, state.prev]);
    try {
      while (rows.length > 0) {
        const next = tf.tidy(() => this.greedyStep(state.prev, state.h, state.enc, state.keys, state.maskAdd));
        tf.dispose([state.h, state.prev]);
        state = { ...state, h: next.h, prev: next.ids };
        const ids = await next.ids.data();
        const keep: number[] = [];
        rows.forEach((i, r) => {
          const open = ids[r] !== EOS_ID && out[i].length < maxLen(i);
          if (open) out[i].push(ids[r]);
          if (open && out[i].length < maxLen(i)) keep.push(r);
        });
        if (keep.length === rows.length) continue;
        const old = state;
        if (keep.length > 0) {
          state = tf.tidy(() => {
            const at = tf.tensor1d(keep, 'int32');
            return { enc: tf.gather(old.enc, at), keys: tf.gather(old.keys, at), maskAdd: tf.gather(old.maskAdd, at), h: tf.gather(old.h, at), prev: tf.gather(old.prev, at) };
          });
        }
        tf.dispose([old.enc, old.keys, old.maskAdd, old.h, old.prev]);
        rows = keep.map((r) => rows[r]);
      }
    } finally {
      if (rows.length > 0) release();
    }
    return out;
  }

  /** Beam search for one source sequence; score = log p / length^alpha. */
  async beam(srcIds: readonly number[], beamSize: number, maxLen: number, alpha = 0.6): Promise<number[]> {
    const src = padBatch([srcIds]);
    const state = tf.tidy(() => this.encode(src, null));
    interface Hyp { ids: number[]; score: number }
    let beams: Hyp[] = [{ ids: [], score: 0 }];
    const finished: Hyp[] = [];
    let h: tf.Tensor2D = state.h0;
    const norm = (x: Hyp) => x.score / Math.pow(Math.max(1, x.ids.length + 1), alpha);
    try {
      for (let t = 0; t < maxLen && beams.length > 0; t++) {
        const n = beams.length;
        const prevIds = beams.map((b) => (b.ids.length ? b.ids[b.ids.length - 1] : BOS_ID));
        const r = tf.tidy(() => {
          const rep = (x: tf.Tensor3D) => tf.tile(x, [n, 1, 1]) as tf.Tensor3D;
          return this.stepLogProbs(tf.tensor1d(prevIds, 'int32'), h, rep(state.enc), rep(state.keys), rep(state.maskAdd));
        });
        const logp = await r.logp.data();
        r.logp.dispose();
        const V = this.config.tgtVocab;
        const cands: Array<{ from: number; id: number; score: number }> = [];
        for (let b = 0; b < n; b++) {
          // Top beamSize+1 of each row is enough to fill the next beam.
          const row = logp.subarray(b * V, (b + 1) * V);
          const top = topK(row, beamSize + 1);
          for (const id of top) if (id !== PAD_ID && id !== BOS_ID) cands.push({ from: b, id, score: beams[b].score + row[id] });
        }
        cands.sort((x, y) => y.score - x.score);
        const next: Hyp[] = [];
        const keep: number[] = [];
        for (const c of cands) {
          const hyp = { ids: [...beams[c.from].ids, c.id], score: c.score };
          if (c.id === EOS_ID) finished.push({ ids: beams[c.from].ids, score: c.score });
          else if (next.length < beamSize) {
            next.push(hyp);
            keep.push(c.from);
          }
          if (next.length >= beamSize && finished.length >= beamSize) break;
        }
        const hNext = keep.length ? tf.tidy(() => tf.gather(r.h, tf.tensor1d(keep, 'int32')) as tf.Tensor2D) : null;
        r.h.dispose();
        if (h !== state.h0) h.dispose();
        if (!hNext) break;
        h = hNext;
        beams = next;
        // Stop once the best finished hypothesis beats every live one even at its best.
        if (finished.length >= beamSize) {
          const bestDone = Math.max(...finished.map(norm));
          if (beams.every((b) => norm(b) < bestDone)) break;
        }
      }
    } finally {
      if (h !== state.h0) h.dispose();
      tf.dispose([state.enc, state.keys, state.maskAdd, state.h0]);
    }
    const pool = finished.length > 0 ? finished : beams;
    pool.sort((a, b) => norm(b) - norm(a));
    return pool[0]?.ids ?? [];
  }

  /** Named tensors (the live variables; do not dispose). */
  namedWeights(): Array<{ name: string; tensor: tf.Tensor }> {
    return WEIGHT_NAMES.map((name) => ({ name, tensor: this.w(name) }));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.weights.values()) v.dispose();
  }
}

/** `[B,L]` row-major ids → `[L,B]` row-major. */
function timeMajor(p: PaddedBatch): Int32Array {
  const out = new Int32Array(p.ids.length);
  for (let b = 0; b < p.batch; b++) for (let t = 0; t < p.length; t++) out[t * p.batch + b] = p.ids[b * p.length + t];
  return out;
}

function topK(row: Float32Array | Int32Array | Uint8Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < row.length; i++) {
    if (best.length < k) {
      best.push(i);
      best.sort((a, b) => row[b] - row[a]);
    } else if (row[i] > row[best[k - 1]]) {
      best[k - 1] = i;
      best.sort((a, b) => row[b] - row[a]);
    }
  }
  return best;
}

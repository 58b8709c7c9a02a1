/**
 * chrF / chrF++ compatible with sacreBLEU 2.x (`sacrebleu.corpus_chrf`).
 *
 * Defaults as sacreBLEU: character n-grams up to 6, no word n-grams, beta 2,
 * whitespace removed, effective-order averaging (eps_smoothing=False).
 * Characters are Unicode code points, as Python strings index them.
 */

export interface ChrfOptions {
  charOrder?: number;
  wordOrder?: number;
  beta?: number;
  lowercase?: boolean;
  /** Keep whitespace inside character n-grams. */
  whitespace?: boolean;
  /** chrF++.py-style epsilon smoothing instead of effective-order averaging. */
  epsSmoothing?: boolean;
}

const PUNCTS = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

type Counter = Map<string, number>;

function count(items: string[]): Counter {
  const c: Counter = new Map();
  for (const it of items) c.set(it, (c.get(it) ?? 0) + 1);
  return c;
}

function charNgrams(sentence: string, order: number, whitespace: boolean): Counter[] {
  const chars = Array.from(whitespace ? sentence : sentence.split(/\s+/u).join(''));
  const out: Counter[] = [];
  for (let n = 1; n <= order; n++) {
    const grams: string[] = [];
    for (let i = 0; i + n <= chars.length; i++) grams.push(chars.slice(i, i + n).join(''));
    out.push(count(grams));
  }
  return out;
}

function wordNgrams(words: string[], n: number): Counter {
  const grams: string[] = [];
  for (let i = 0; i + n <= words.length; i++) grams.push(words.slice(i, i + n).join(' '));
  return count(grams);
}

/** chrF++'s primitive word split: a leading or trailing punctuation mark becomes its own word. */
function removePunctuation(sent: string): string[] {
  const out: string[] = [];
  for (const w of sent.split(/\s+/u).filter((x) => x.length > 0)) {
    const chars = Array.from(w);
    if (chars.length === 1) out.push(w);
    else if (PUNCTS.has(chars[chars.length - 1])) out.push(chars.slice(0, -1).join(''), chars[chars.length - 1]);
    else if (PUNCTS.has(chars[0])) out.push(chars[0], chars.slice(1).join(''));
    else out.push(w);
  }
  return out;
}

function matchStats(hyp: Counter, ref: Counter): [number, number, number] {
  let match = 0;
  let hypCount = 0;
  for (const [ng, c] of hyp) {
    hypCount += c;
    const r = ref.get(ng);
    if (r !== undefined) match += Math.min(c, r);
  }
  let refCount = 0;
  for (const c of ref.values()) refCount += c;
  // sacreBLEU: no hits are counted for an order the reference lacks.
  return [ref.size > 0 ? hypCount : 0, refCount, match];
}

function fScore(stats: number[], order: number, beta: number, epsSmoothing: boolean): number {
  const eps = 1e-16;
  const factor = beta * beta;
  let score = 0;
  let effective = 0;
  let avgPrec = 0;
  let avgRec = 0;
  for (let i = 0; i < order; i++) {
    const [nHyp, nRef, nMatch] = stats.slice(3 * i, 3 * i + 3);
    const prec = nHyp > 0 ? nMatch / nHyp : eps;
    const rec = nRef > 0 ? nMatch / nRef : eps;
    const denom = factor * prec + rec;
    score += denom > 0 ? ((1 + factor) * prec * rec) / denom : eps;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += prec;
      avgRec += rec;
      effective += 1;
    }
  }
  if (epsSmoothing) return (100 * score) / order;
  if (effective === 0) return 0;
  avgPrec /= effective;
  avgRec /= effective;
  if (avgPrec + avgRec === 0) return 0;
  return (100 * (1 + factor) * avgPrec * avgRec) / (factor * avgPrec + avgRec);
}

/** Corpus chrF (0–100). `references[k][i]` is the k-th reference of segment i. */
export function corpusChrf(hypotheses: readonly string[], references: readonly (readonly string[])[], options: ChrfOptions = {}): number {
  const charOrder = options.charOrder ?? 6;
  const wordOrder = options.wordOrder ?? 0;
  const beta = options.beta ?? 2;
  const whitespace = options.whitespace ?? false;
  const eps = options.epsSmoothing ?? false;
  const order = charOrder + wordOrder;
  for (const stream of references) {
    if (stream.length !== hypotheses.length) {
      throw new RangeError(`chrF: ${hypotheses.length} hypotheses but a reference stream has ${stream.length} segments`);
    }
  }
  const prep = (s: string): string => (options.lowercase ? s.toLowerCase() : s);
  const ngrams = (s: string): Counter[] => {
    const all = charNgrams(s, charOrder, whitespace);
    if (wordOrder > 0) {
      const words = removePunctuation(s);
      for (let n = 1; n <= wordOrder; n++) all.push(wordNgrams(words, n));
    }
    return all;
  };
  const total = new Array<number>(3 * order).fill(0);
  hypotheses.forEach((hyp, i) => {
    const hypNgrams = ngrams(prep(hyp));
    let best: number[] = [];
    let bestF = -1;
    for (const stream of references) {
      const refNgrams = ngrams(prep(stream[i]));
      const stats: number[] = [];
      for (let o = 0; o < order; o++) stats.push(...matchStats(hypNgrams[o], refNgrams[o]));
      const f = fScore(stats, order, beta, eps);
      if (f > bestF) {
        bestF = f;
        best = stats;
      }
    }
    best.forEach((v, j) => (total[j] += v));
  });
  return fScore(total, order, beta, eps);
}

/** Sentence-level chrF (sacreBLEU `sentence_chrf`). */
export function sentenceChrf(hypothesis: string, references: readonly string[], options: ChrfOptions = {}): number {
  return corpusChrf([hypothesis], references.map((r) => [r]), options);
}

/**
 * ROUGE-1, ROUGE-2 and ROUGE-L (sentence-level LCS) following Google's
 * `rouge-score` package, which replicates ROUGE-1.5.5: lower-case, every run
 * of characters outside [a-z0-9] is a separator (so non-ASCII letters are
 * dropped, exactly as rouge-score does), optional Porter stemming of tokens
 * longer than 3 characters. F1 = 2PR / (P + R).
 */
import { porterStem } from './porter-stemmer';

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

export interface RougeResult {
  rouge1: RougeScore;
  rouge2: RougeScore;
  rougeL: RougeScore;
}

export interface RougeOptions {
  useStemmer?: boolean;
}

export function rougeTokenize(text: string, useStemmer = false): string[] {
  const tokens = text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').split(/\s+/);
  const out: string[] = [];
  for (const t of tokens) {
    if (t.length === 0) continue;
    out.push(useStemmer && t.length > 3 ? porterStem(t) : t);
  }
  return out;
}

function fromCounts(overlap: number, predTotal: number, targetTotal: number): RougeScore {
  const precision = predTotal > 0 ? overlap / predTotal : 0;
  const recall = targetTotal > 0 ? overlap / targetTotal : 0;
  const fmeasure = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, fmeasure };
}

function ngrams(tokens: string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const k = tokens.slice(i, i + n).join(' ');
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

export function rougeNTokens(target: string[], prediction: string[], n: number): RougeScore {
  const t = ngrams(target, n);
  const p = ngrams(prediction, n);
  let overlap = 0;
  let pTotal = 0;
  let tTotal = 0;
  for (const [k, c] of p) {
    pTotal += c;
    overlap += Math.min(c, t.get(k) ?? 0);
  }
  for (const c of t.values()) tTotal += c;
  return fromCounts(overlap, pTotal, tTotal);
}

export function lcsLength(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Array<number>(b.length + 1).fill(0);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

export function rougeLTokens(target: string[], prediction: string[]): RougeScore {
  return fromCounts(lcsLength(target, prediction), prediction.length, target.length);
}

/** Scores one prediction against one target (rouge-score's `RougeScorer.score(target, prediction)`). */
export function rougeScore(target: string, prediction: string, options: RougeOptions = {}): RougeResult {
  const t = rougeTokenize(target, options.useStemmer);
  const p = rougeTokenize(prediction, options.useStemmer);
  return { rouge1: rougeNTokens(t, p, 1), rouge2: rougeNTokens(t, p, 2), rougeL: rougeLTokens(t, p) };
}

export interface CorpusRouge {
  /** Mean F1 over examples, 0–100. */
  rouge1: number;
  rouge2: number;
  rougeL: number;
}

/** Mean per-example F1 (×100), the number papers report from rouge-score. */
export function corpusRouge(targets: readonly string[], predictions: readonly string[], options: RougeOptions = {}): CorpusRouge {
  if (targets.length !== predictions.length) {
    throw new RangeError(`ROUGE: ${predictions.length} predictions for ${targets.length} targets`);
  }
  if (targets.length === 0) return { rouge1: 0, rouge2: 0, rougeL: 0 };
  let r1 = 0;
  let r2 = 0;
  let rl = 0;
  targets.forEach((t, i) => {
    const s = rougeScore(t, predictions[i], options);
    r1 += s.rouge1.fmeasure;
    r2 += s.rouge2.fmeasure;
    rl += s.rougeL.fmeasure;
  });
  const k = 100 / targets.length;
  return { rouge1: r1 * k, rouge2: r2 * k, rougeL: rl * k };
}

/**
 * Corpus BLEU compatible with sacreBLEU 2.x (`sacrebleu.corpus_bleu`).
 *
 * Same defaults as sacreBLEU: mteval-v13a tokenisation, exact brevity penalty
 * (closest reference length, shorter wins ties), `exp` smoothing (NIST method 3),
 * max n-gram order 4, no effective order. References are given as sacreBLEU
 * streams: `references[k][i]` is the k-th reference of segment i.
 */

export type BleuTokenizer = '13a' | 'none';
export type BleuSmoothing = 'none' | 'floor' | 'add-k' | 'exp';

export interface BleuOptions {
  lowercase?: boolean;
  tokenize?: BleuTokenizer;
  smoothMethod?: BleuSmoothing;
  /** For `floor` (default 0.1) and `add-k` (default 1). */
  smoothValue?: number;
  maxNgramOrder?: number;
  effectiveOrder?: boolean;
}

export interface BleuScore {
  /** 0–100 */
  score: number;
  counts: number[];
  totals: number[];
  precisions: number[];
  bp: number;
  sysLen: number;
  refLen: number;
}

const SMOOTH_DEFAULTS: Record<BleuSmoothing, number | undefined> = {
  none: undefined,
  floor: 0.1,
  'add-k': 1,
  exp: undefined,
};

// mteval-v13a's language-dependent rules, in sacreBLEU's order (tokenizer_re.py).
const PUNCT = /([\{-\~\[-\` -\&\(-\+\:-\@\/])/g;
const PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/g;
const PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/g;
const DASH_AFTER_DIGIT = /([0-9])(-)/g;

/** The mteval-v13a tokenizer as sacreBLEU implements it. */
export function tokenize13a(input: string): string {
  let line = input
    .replaceAll('<skipped>', '')
    .replaceAll('-\n', '')
    .replaceAll('\n', ' ')
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>');
  line = ` ${line} `;
  line = line.replace(PUNCT, ' $1 ');
  line = line.replace(PERIOD_COMMA_AFTER_NON_DIGIT, '$1 $2 ');
  line = line.replace(PERIOD_COMMA_BEFORE_NON_DIGIT, ' $1 $2');
  line = line.replace(DASH_AFTER_DIGIT, '$1 $2 ');
  return splitWhitespace(line).join(' ');
}

/** Python's `str.split()` with no argument. */
function splitWhitespace(s: string): string[] {
  return s.split(/\s+/u).filter((t) => t.length > 0);
}

function ngramCounts(tokens: string[], maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = `${n}\u0001${tokens.slice(i, i + n).join('\u0002')}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

function myLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

/**
 * BLEU from sufficient statistics (sacreBLEU's `BLEU.compute_bleu`).
 * `correct` and `total` are copied, never mutated.
 */
export function computeBleu(
  correctIn: number[],
  totalIn: number[],
  sysLen: number,
  refLen: number,
  options: Pick<BleuOptions, 'smoothMethod' | 'smoothValue' | 'effectiveOrder' | 'maxNgramOrder'> = {},
): BleuScore {
  const smoothMethod = options.smoothMethod ?? 'none';
  const smoothValue = options.smoothValue ?? SMOOTH_DEFAULTS[smoothMethod] ?? 0;
  const maxOrder = options.maxNgramOrder ?? 4;
  const correct = [...correctIn];
  const total = [...totalIn];

  let bp = 1;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0;

  const precisions = new Array<number>(maxOrder).fill(0);
  const result = (score: number): BleuScore => ({
    score,
    counts: correctIn.slice(),
    totals: totalIn.slice(),
    precisions,
    bp,
    sysLen,
    refLen,
  });
  // sacreBLEU #141: no matches at all is a score of 0, whatever the smoothing.
  if (!correct.some((c) => c > 0)) return result(0);

  let smoothMteval = 1;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (smoothMethod === 'add-k' && n > 1) {
      correct[n - 1] += smoothValue;
      total[n - 1] += smoothValue;
    }
    if (total[n - 1] === 0) break;
    if (options.effectiveOrder) effOrder = n;
    if (correct[n - 1] === 0) {
      if (smoothMethod === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * total[n - 1]);
      } else if (smoothMethod === 'floor') {
        precisions[n - 1] = (100 * smoothValue) / total[n - 1];
      }
    } else {
      precisions[n - 1] = (100 * correct[n - 1]) / total[n - 1];
    }
  }
  let logSum = 0;
  for (let i = 0; i < effOrder; i++) logSum += myLog(precisions[i]);
  return result(bp * Math.exp(logSum / effOrder));
}

/**
 * Corpus BLEU over hypotheses and reference streams (sacreBLEU layout).
 * A single reference per segment can be passed as `[refs]`.
 */
export function corpusBleu(hypotheses: readonly string[], references: readonly (readonly string[])[], options: BleuOptions = {}): BleuScore {
  const maxOrder = options.maxNgramOrder ?? 4;
  const tokenize = options.tokenize ?? '13a';
  for (const stream of references) {
    if (stream.length !== hypotheses.length) {
      throw new RangeError(`BLEU: ${hypotheses.length} hypotheses but a reference stream has ${stream.length} segments`);
    }
  }
  const prep = (s: string): string[] => {
    let t = options.lowercase ? s.toLowerCase() : s;
    t = t.trimEnd();
    return splitWhitespace(tokenize === '13a' ? tokenize13a(t) : t);
  };
  const correct = new Array<number>(maxOrder).fill(0);
  const total = new Array<number>(maxOrder).fill(0);
  let sysLen = 0;
  let refLen = 0;
  hypotheses.forEach((hyp, i) => {
    const refNgrams = new Map<string, number>();
    const refLens: number[] = [];
    for (const stream of references) {
      const toks = prep(stream[i]);
      refLens.push(toks.length);
      for (const [k, c] of ngramCounts(toks, maxOrder)) refNgrams.set(k, Math.max(refNgrams.get(k) ?? 0, c));
    }
    const hypToks = prep(hyp);
    sysLen += hypToks.length;
    refLen += closestRefLen(hypToks.length, refLens);
    for (const [k, c] of ngramCounts(hypToks, maxOrder)) {
      const n = Number(k.slice(0, k.indexOf('\u0001')));
      total[n - 1] += c;
      const r = refNgrams.get(k);
      if (r !== undefined) correct[n - 1] += Math.min(c, r);
    }
  });
  return computeBleu(correct, total, sysLen, refLen, {
    smoothMethod: options.smoothMethod ?? 'exp',
    smoothValue: options.smoothValue,
    effectiveOrder: options.effectiveOrder ?? false,
    maxNgramOrder: maxOrder,
  });
}

function closestRefLen(hypLen: number, refLens: number[]): number {
  let bestDiff = -1;
  let best = -1;
  for (const len of refLens) {
    const diff = Math.abs(hypLen - len);
    if (bestDiff === -1 || diff < bestDiff) {
      bestDiff = diff;
      best = len;
    } else if (diff === bestDiff && len < best) {
      best = len;
    }
  }
  return best;
}

/**
 * Sparse TF-IDF features for the linear text classifier (`architecture: 'tfidf'`).
 *
 * Tokens are the classifier's word tokens with two normalisations that matter for
 * financial news: every token starting with a digit becomes `NUM` (signs and `%` stay
 * separate tokens, so "+ NUM %" and "- NUM %" remain distinct bigrams), and after a
 * negation ("not", "no", "without", …) the next `negationScope` words are marked `not_…`
 * up to the next clause punctuation.
 *
 * Features of one text: unigrams; bigrams with `<s>`/`</s>` padding; word pairs 2 to
 * `skipWindow` positions apart (both containing a letter: "profit … rose" across the
 * words between them); and, with `numberComparisons`, the direction of explicit numeric
 * comparisons ("to 13.1 from 8.7", "from 8.7 to 13.1", "13.1 ( 8.7 )") as `NUMCMP_UP` /
 * `NUMCMP_DOWN`, also crossed with every word of the text (so "loss" × down differs
 * from "profit" × down).
 *
 * Values: sublinear tf (1 + ln count) × smoothed idf (ln((1 + N) / (1 + df)) + 1), then
 * L2-normalised — scikit-learn's `TfidfVectorizer(sublinear_tf=True)`. The vocabulary
 * (features with document frequency ≥ `minDf`, at most `maxFeatures` by frequency) and
 * the document frequencies are saved with the model, so predict-time vectors are
 * exactly the training-time ones.
 */

export interface TfidfOptions {
  skipWindow: number;
  negationScope: number;
  numberComparisons: boolean;
  maxTokens: number;
}

/** What `tokenizer.json` stores for the TF-IDF features. */
export interface TfidfTable extends TfidfOptions {
  /** Feature strings; the row of a feature in the weight matrix is its index. */
  features: string[];
  /** Document frequency of each feature in the training rows. */
  df: number[];
  /** Number of training documents. */
  nDocs: number;
}

/** A table ready for lookups. */
export interface TfidfIndex {
  table: TfidfTable;
  index: Map<string, number>;
  idf: Float32Array;
}

/** One text as sparse feature ids and their TF-IDF values (L2 norm 1, or empty). */
export interface SparseVector {
  ids: number[];
  values: number[];
}

const TOKEN_RE = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?|[^\s\p{L}\p{N}]/gu;
const NEGATIONS = new Set(['not', 'no', 'without', 'never', 'nor', 'neither', 'cannot', "n't", 'none']);
const CLAUSE_END = new Set(['.', ',', ';', ':', '!', '?']);
const HAS_LETTER = /\p{L}/u;
const STARTS_WITH_DIGIT = /^\p{N}/u;

/** Lower-cased tokens with numbers as `NUM` and negation scopes marked. */
export function financeTokens(text: string, opts: Pick<TfidfOptions, 'negationScope' | 'maxTokens'>): string[] {
  const raw = (text.toLowerCase().match(TOKEN_RE) ?? []).slice(0, opts.maxTokens);
  const out: string[] = [];
  let scope = 0;
  for (const w of raw) {
    const t = STARTS_WITH_DIGIT.test(w) ? 'NUM' : w;
    if (NEGATIONS.has(t)) {
      scope = opts.negationScope;
      out.push(t);
    } else if (CLAUSE_END.has(t)) {
      scope = 0;
      out.push(t);
    } else if (scope > 0 && HAS_LETTER.test(t)) {
      scope--;
      out.push(`not_${t}`);
    } else out.push(t);
  }
  return out;
}

const AMOUNT = String.raw`(\d+(?:[.,]\d+)*)`;
const CURRENCY = String.raw`(?:eur ?|usd ?|\$ ?|sek ?|gbp ?|£ ?|€ ?)?`;
/** [pattern, group of the new value, group of the old value]. */
const COMPARISONS: Array<[RegExp, number, number]> = [
  [new RegExp(`to ${CURRENCY}${AMOUNT}[^()]{0,25}?from ${CURRENCY}${AMOUNT}`, 'gi'), 1, 2],
  [new RegExp(`from ${CURRENCY}${AMOUNT}[^()]{0,25}?to ${CURRENCY}${AMOUNT}`, 'gi'), 2, 1],
  [new RegExp(`${AMOUNT}[^()\\d]{0,12}\\( ?${CURRENCY}${AMOUNT}`, 'gi'), 1, 2],
];

/** `NUMCMP_UP` / `NUMCMP_DOWN` for each explicit "new vs old" numeric comparison in the text. */
export function numberComparisons(text: string): string[] {
  const out: string[] = [];
  for (const [re, now, before] of COMPARISONS) {
    for (const m of text.matchAll(re)) {
      const a = Number(m[now].replace(/,/g, ''));
      const b = Number(m[before].replace(/,/g, ''));
      if (Number.isFinite(a) && Number.isFinite(b) && a !== b) out.push(a > b ? 'NUMCMP_UP' : 'NUMCMP_DOWN');
    }
  }
  return out;
}

/** Every feature occurrence of one text (repeats count towards tf). */
export function textFeatures(text: string, opts: TfidfOptions): string[] {
  const t = financeTokens(text, opts);
  const f: string[] = [...t];
  const padded = ['<s>', ...t, '</s>'];
  for (let i = 0; i + 1 < padded.length; i++) f.push(`${padded[i]} ${padded[i + 1]}`);
  for (let i = 0; i < t.length; i++) {
    if (!HAS_LETTER.test(t[i])) continue;
    for (let j = i + 2; j <= i + opts.skipWindow && j < t.length; j++) if (HAS_LETTER.test(t[j])) f.push(`${t[i]} _ ${t[j]}`);
  }
  if (opts.numberComparisons) {
    const cmp = numberComparisons(text.slice(0, 20_000));
    if (cmp.length) {
      const words = [...new Set(t.filter((w) => HAS_LETTER.test(w)))];
      for (const c of cmp) {
        f.push(c);
        for (const w of words) f.push(`${c}|${w}`);
      }
    }
  }
  return f;
}

/** Vocabulary and document frequencies from the training texts. */
export function buildTfidfTable(texts: string[], opts: TfidfOptions & { minDf: number; maxFeatures: number }): TfidfTable {
  const df = new Map<string, number>();
  for (const text of texts) for (const f of new Set(textFeatures(text, opts))) df.set(f, (df.get(f) ?? 0) + 1);
  const kept = [...df.entries()].filter(([, c]) => c >= opts.minDf);
  // Most frequent first when capped; ties and the final order by string, so the table is deterministic.
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const chosen = kept.slice(0, opts.maxFeatures).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    skipWindow: opts.skipWindow,
    negationScope: opts.negationScope,
    numberComparisons: opts.numberComparisons,
    maxTokens: opts.maxTokens,
    features: chosen.map(([f]) => f),
    df: chosen.map(([, c]) => c),
    nDocs: texts.length,
  };
}

export function indexTfidf(table: TfidfTable): TfidfIndex {
  const idf = Float32Array.from(table.df, (d) => Math.log((1 + table.nDocs) / (1 + d)) + 1);
  return { table, index: new Map(table.features.map((f, i) => [f, i])), idf };
}

/** Sublinear-tf × idf, L2-normalised; features outside the vocabulary are dropped. */
export function tfidfVector(ix: TfidfIndex, text: string): SparseVector {
  const counts = new Map<number, number>();
  for (const f of textFeatures(text, ix.table)) {
    const i = ix.index.get(f);
    if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  const ids = [...counts.keys()].sort((a, b) => a - b);
  const values = ids.map((i) => (1 + Math.log(counts.get(i)!)) * ix.idf[i]);
  const norm = Math.sqrt(values.reduce((a, v) => a + v * v, 0)) || 1;
  return { ids, values: values.map((v) => v / norm) };
}

/** Row-major [n × width] ids and values, zero-padded (value 0 contributes nothing). */
export function packSparse(rows: SparseVector[]): { ids: Int32Array; values: Float32Array; width: number } {
  const width = Math.max(1, ...rows.map((r) => r.ids.length));
  const ids = new Int32Array(rows.length * width);
  const values = new Float32Array(rows.length * width);
  rows.forEach((r, i) => {
    ids.set(r.ids, i * width);
    values.set(r.values, i * width);
  });
  return { ids, values, width };
}

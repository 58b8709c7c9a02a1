/**
 * The text side of the classifier: word tokens, the vocabulary and label set learned from the
 * training rows, and texts as padded id rows (words, then hashed word bigrams and character
 * n-grams for the embedding bag). Kept apart from the model (`classification.ts`) so each reads
 * in one sitting.
 */
import type { ClassificationRow } from '../task';
import { buildTfidfTable, type TfidfTable } from './classification-features';
import type { ClassificationArchitecture, ClassificationHyperparameters } from './classification';

export interface Tokenizer {
  vocab: string[]; // index 0 = <pad>, 1 = <unk>
  labels: string[];
  buckets: number;
  wordBigrams?: boolean;
  charNgrams?: number;
  maxTokens: number;
  lowercase: boolean;
  /** TF-IDF vocabulary and document frequencies (architectures `tfidf`, `tfidf+bag`). */
  tfidf?: TfidfTable;
}

export const hasEmbeddings = (a: ClassificationArchitecture) => a !== 'tfidf';
export const hasTfidf = (a: ClassificationArchitecture) => a === 'tfidf' || a === 'tfidf+bag';
export const isBag = (a: ClassificationArchitecture) => a === 'bag' || a === 'tfidf+bag';

export const TOKEN_RE = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?|[^\s\p{L}\p{N}]/gu;

export function tokenize(text: string, lowercase = true): string[] {
  return (lowercase ? text.toLowerCase() : text).match(TOKEN_RE) ?? [];
}

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Token ids of one text: word ids, then (bag) hashed bigram ids; at most `maxTokens` words. */
export function encode(tok: Tokenizer, index: Map<string, number>, text: string, withBigrams: boolean): number[] {
  const words = tokenize(text, tok.lowercase).slice(0, tok.maxTokens);
  const ids = words.map((w) => index.get(w) ?? 1);
  if (withBigrams && tok.buckets > 0) {
    const base = tok.vocab.length;
    if (tok.wordBigrams ?? true) for (let i = 0; i + 1 < words.length; i++) ids.push(base + (fnv1a(`${words[i]} ${words[i + 1]}`) % tok.buckets));
    const n = tok.charNgrams ?? 0;
    if (n > 0) {
      for (const w of words) {
        const padded = `<${w}>`;
        for (let i = 0; i + n <= padded.length; i++) ids.push(base + (fnv1a(`#${padded.slice(i, i + n)}`) % tok.buckets));
      }
    }
  }
  return ids.length ? ids : [1];
}

export function pack(rows: number[][]): { ids: Int32Array; width: number } {
  const width = Math.max(1, ...rows.map((r) => r.length));
  const ids = new Int32Array(rows.length * width);
  rows.forEach((r, i) => ids.set(r, i * width));
  return { ids, width };
}

export function buildTokenizer(rows: ClassificationRow[], hp: ClassificationHyperparameters): Tokenizer {
  const counts = new Map<string, number>();
  for (const r of rows) for (const w of tokenize(r.text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = hasEmbeddings(hp.architecture) ? [...counts.entries()].filter(([, c]) => c >= hp.minCount).map(([w]) => w).sort() : [];
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  const tok: Tokenizer = { vocab: ['<pad>', '<unk>', ...words], labels, buckets: isBag(hp.architecture) ? hp.buckets : 0, wordBigrams: hp.wordBigrams, charNgrams: hp.charNgrams, maxTokens: hp.maxTokens, lowercase: true };
  if (hasTfidf(hp.architecture)) {
    tok.tfidf = buildTfidfTable(rows.map((r) => r.text), { skipWindow: hp.skipWindow, negationScope: hp.negationScope, numberComparisons: hp.numberComparisons, maxTokens: hp.maxTokens, minDf: hp.minCount, maxFeatures: hp.maxFeatures });
  }
  return tok;
}

export function indexOf(vocab: string[]): Map<string, number> {
  return new Map(vocab.map((w, i) => [w, i]));
}

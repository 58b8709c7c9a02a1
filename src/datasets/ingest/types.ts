/** The ingest contract: options in, result out. Re-exported by `./index`. */
import type { Percentiles } from './stats';
import type { SplitName, SplitRatios } from './split';
import type { RatingRange } from './schema';

export type DatasetTask = 'RECOMMENDATION' | 'TRANSLATION' | 'SUMMARIZATION' | 'CLASSIFICATION';
export type DatasetFormat = 'CSV' | 'TSV' | 'JSONL';

export interface IngestOptions {
  task: DatasetTask;
  format: DatasetFormat;
  /** Default utf-8 (a BOM is stripped). */
  encoding?: 'utf-8' | 'latin1' | 'windows-1252';
  /** Overrides the format's delimiter (one character), e.g. '@' for PhraseBank, '\t' for u.data. */
  delimiter?: string;
  /** Default: detected (the first row names known columns, or the `columns` mapping's names). */
  hasHeader?: boolean;
  /** canonical field → source column name, or 0-based index as a string. */
  columns?: Record<string, string>;
  /** Default 0.8/0.1/0.1; must sum to 1. Not with `splitColumn` or `split`. */
  splits?: SplitRatios;
  /**
   * The user's own split per row: a header name or 0-based index (CSV/TSV), or a key (JSONL),
   * whose values are `train`/`validation`/`test` or a synonym (`splitIndexOf`). That column is
   * not a task field. The run fails with `EMPTY_SPLIT` when no row is in train or in test.
   */
  splitColumn?: string;
  /** Every row goes to this split (one file of a split-file dataset). Not with `splits` or `splitColumn`. */
  split?: SplitName;
  /** Default 42. */
  seed?: number;
  /** Abort (TOO_LARGE) as soon as more raw bytes than this arrive. */
  maxBytes: number;
  /** Errors kept in the result (default 100); counting continues. */
  maxErrors?: number;
  /** Default 20. */
  previewRows?: number;
  /** true: always gunzip; false: never; undefined: detect the magic bytes 1f 8b. */
  gzip?: boolean;
  /** Accepted rating range (inclusive). Default −1e9…1e9: any finite rating, negatives allowed. */
  ratingRange?: RatingRange;
  /** Distinct labels allowed for classification (default 1000); more is a TOO_MANY_LABELS row error. */
  maxLabels?: number;
  /** Distinct users/items counted exactly up to this many (default 1,000,000), then by HyperLogLog. */
  exactDistinctLimit?: number;
  /** Aborting it ends ingestion with fatal ABORTED. */
  signal?: AbortSignal;
  /**
   * Write the RECOMMENDATION rows of the byte path (UTF-8, `,` or tab) in the compact line form
   * (`0,196,242,3,881250949`; `canonical-line.ts`) instead of JSONL, which makes the output about
   * as large as the input. Only for blobs read by `readDataset` (default false: all JSONL).
   */
  compactRows?: boolean;
  /**
   * Let the WebAssembly reader (`plain-rows.ts`) take the plain rows of compact output (default
   * true). The output and the result are the same without it; tests turn it off to compare.
   */
  plainRowReader?: boolean;
  /**
   * The source's chunks are read by no one after ingest (an HTTP request body): ingest frees
   * each chunk's memory once it has read it (`release-buffer.ts`), which leaves the chunk empty.
   * Only chunks that own their whole ArrayBuffer; with gzip input, gunzip's whole output chunks
   * instead (the compressed chunks are gunzip's). Default false.
   */
  releaseChunks?: boolean;
  /** End `sink` when done, and wait for it to finish (default true). */
  endSink?: boolean;
}

export interface RowError {
  line: number;
  field: string | null;
  message: string;
  code: string;
  /** The split file the row is in (split-file datasets; set by the dataset feature, not by ingest). */
  part?: SplitName;
}

export type FatalCode = 'TOO_LARGE' | 'BAD_GZIP' | 'BINARY' | 'EMPTY' | 'BAD_HEADER' | 'EMPTY_SPLIT' | 'ABORTED';

export type { Percentiles };

export interface LengthStats { chars: Percentiles; tokens: Percentiles }

export interface RecommendationStats {
  task: 'RECOMMENDATION';
  users: number;
  items: number;
  /** True when users/items were estimated (HyperLogLog, ~1% error) because there were too many to count exactly. */
  countsApproximate: boolean;
  ratingMin: number | null;
  ratingMax: number | null;
  ratingMean: number | null;
  /** Distinct rating value → count when ≤ 20 distinct values, else 10 equal-width bins `[lo, hi)` → count. */
  ratingHistogram: Record<string, number>;
  histogramApproximate: boolean;
  /** 1 − rows / (users × items), clamped to [0, 1]; null when there are no rows. */
  sparsity: number | null;
  rowsWithTimestamp: number;
}
export interface TranslationStats { task: 'TRANSLATION'; source: LengthStats; target: LengthStats }
export interface SummarizationStats { task: 'SUMMARIZATION'; document: LengthStats; summary: LengthStats }
export interface ClassificationStats {
  task: 'CLASSIFICATION';
  /** label → count, most frequent first. */
  labels: Record<string, number>;
  labelCount: number;
  text: LengthStats;
}
export type DatasetStats = RecommendationStats | TranslationStats | SummarizationStats | ClassificationStats;

export interface IngestResult {
  ok: boolean;
  fatal: { code: FatalCode; message: string } | null;
  rowCount: number;
  byteSize: number;
  sha256: string;
  columnMapping: Record<string, string>;
  hasHeader: boolean;
  stats: DatasetStats;
  splitCounts: { train: number; validation: number; test: number };
  errors: RowError[];
  errorCount: number;
  preview: Record<string, unknown>[];
}

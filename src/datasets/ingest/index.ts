/**
 * Streaming dataset ingest: see README.md beside this file. Pure Node streams: no HTTP, no SQL,
 * no tenants.
 */
export type {
  ClassificationStats, DatasetFormat, DatasetStats, DatasetTask, FatalCode, IngestOptions, IngestResult, LengthStats,
  Percentiles, RecommendationStats, RowError, SummarizationStats, TranslationStats,
} from './types';
export { ingest } from './ingest';
export { ingestInWorker } from './threaded-ingest';
export { IngestOptionsError, validateIngestOptions } from './options';
export { ACCEPTED_SPLIT_VALUES, DEFAULT_SPLITS, splitHash, splitIndexOf, type SplitName, type SplitRatios } from './split';
export { DEFAULT_RATING_RANGE, MAX_FIELD_BYTES, TASK_FIELDS, type RatingRange } from './schema';
export { syntheticRatings, type SyntheticRatingsOptions } from './synthetic';

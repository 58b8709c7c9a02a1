/**
 * Ingest options checked before any byte is read: `validateIngestOptions` lets the upload
 * mutation answer userErrors, and `ingest` rejects with `IngestOptionsError` when a caller skipped it.
 */
import { TASK_FIELDS } from './schema';
import type { DatasetFormat, DatasetTask, IngestOptions } from './types';

const TASKS: readonly DatasetTask[] = ['RECOMMENDATION', 'TRANSLATION', 'SUMMARIZATION', 'CLASSIFICATION'];
const FORMATS: readonly DatasetFormat[] = ['CSV', 'TSV', 'JSONL'];
const ENCODINGS = ['utf-8', 'latin1', 'windows-1252'] as const;
const SPLITS = ['train', 'validation', 'test'];

/** Thrown (as a rejection) by `ingest` for options a caller should have validated first. */
export class IngestOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid ingest options: ${problems.join('; ')}`);
    this.name = 'IngestOptionsError';
  }
}

/**
 * Problems with `opts`, as messages naming the option (empty when valid). Call it when an
 * upload is created, to turn user-supplied options into userErrors before any byte arrives.
 */
export function validateIngestOptions(opts: IngestOptions): string[] {
  const problems: string[] = [];
  if (!TASKS.includes(opts.task)) problems.push(`task must be one of ${TASKS.join(', ')}`);
  if (!FORMATS.includes(opts.format)) problems.push(`format must be one of ${FORMATS.join(', ')}`);
  if (opts.encoding !== undefined && !ENCODINGS.includes(opts.encoding)) problems.push(`encoding must be one of ${ENCODINGS.join(', ')}`);
  if (opts.delimiter !== undefined && (opts.delimiter.length !== 1 || opts.delimiter === '\n' || opts.delimiter === '\r' || opts.delimiter === '"')) {
    problems.push('delimiter must be a single character other than a quote or a line break');
  }
  if (!(Number.isFinite(opts.maxBytes) && opts.maxBytes > 0)) problems.push('maxBytes must be a positive number');
  for (const key of ['maxErrors', 'previewRows', 'maxLabels', 'exactDistinctLimit'] as const) {
    const v = opts[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) problems.push(`${key} must be a non-negative integer`);
  }
  if (opts.seed !== undefined && !Number.isSafeInteger(opts.seed)) problems.push('seed must be an integer');
  if (opts.splits) {
    const { train, validation, test } = opts.splits;
    const parts = [train, validation, test];
    if (parts.some((p) => !(Number.isFinite(p) && p >= 0 && p <= 1))) problems.push('splits must be numbers between 0 and 1');
    else if (Math.abs(train + validation + test - 1) > 1e-9) problems.push('splits must sum to 1');
  }
  if (opts.splitColumn !== undefined && (typeof opts.splitColumn !== 'string' || opts.splitColumn === '')) {
    problems.push('splitColumn must be a column name or a 0-based index');
  }
  if (opts.split !== undefined && !SPLITS.includes(opts.split)) problems.push(`split must be one of ${SPLITS.join(', ')}`);
  const splitWays = [opts.splits && 'splits', opts.splitColumn !== undefined && 'splitColumn', opts.split !== undefined && 'split'].filter(Boolean);
  if (splitWays.length > 1) problems.push(`${splitWays.join(' and ')} cannot be combined: rows are split one way`);
  if (opts.ratingRange && !(opts.ratingRange.min <= opts.ratingRange.max)) problems.push('ratingRange.min must be ≤ ratingRange.max');
  if (opts.columns && TASKS.includes(opts.task)) {
    const names = TASK_FIELDS[opts.task].map((s) => s.name);
    for (const [field, column] of Object.entries(opts.columns)) {
      if (!names.includes(field)) problems.push(`columns.${field} is not a field of ${opts.task} (${names.join(', ')})`);
      if (typeof column !== 'string' || column === '') problems.push(`columns.${field} must be a column name or a 0-based index`);
      else if (opts.splitColumn !== undefined && column === opts.splitColumn) problems.push(`columns.${field} and splitColumn name the same column "${column}"`);
    }
  }
  return problems;
}

import type { DatasetFormat, Task } from '../../gql/graphql';

export const TASKS: { value: Task; label: string; hint: string }[] = [
  { value: 'RECOMMENDATION', label: 'Recommendation', hint: 'user_id, item_id, rating[, timestamp] — CSV or TSV (MovieLens files as they are)' },
  { value: 'TRANSLATION', label: 'Translation', hint: 'source, target pairs — TSV, CSV or JSONL' },
  { value: 'SUMMARIZATION', label: 'Summarization', hint: 'JSONL with document and summary' },
  { value: 'CLASSIFICATION', label: 'Classification', hint: 'text, label — CSV, TSV or JSONL' },
];

export const FORMATS: DatasetFormat[] = ['CSV', 'TSV', 'JSONL'];

/** The format a file name suggests (`.gz` looked through); null when it says nothing. */
export function guessFormat(fileName: string): DatasetFormat | null {
  const name = fileName.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'CSV';
  if (name.endsWith('.jsonl') || name.endsWith('.json') || name.endsWith('.ndjson')) return 'JSONL';
  if (/\.(tsv|tab|data|base|test|txt)$/.test(name)) return 'TSV';
  return null;
}

/** A dataset name from a file name: "u.data.gz" → "u.data". */
export function nameFromFile(fileName: string): string {
  return fileName.replace(/\.gz$/i, '');
}

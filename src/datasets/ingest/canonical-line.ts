/**
 * The two forms of a line in a dataset's canonical blob. A blob may mix them, line by line:
 *
 * - **JSONL** (every task, and any row of the general path): `{"split":"train","userId":"196",…}`.
 * - **Compact** (RECOMMENDATION rows of the byte path, `compactRows`):
 *   `<split digit><d><userId><d><itemId><d><rating>[<d><timestamp>]`, where the split digit is
 *   0 train, 1 validation, 2 test and `<d>` is `,` or a tab (the input's delimiter). Ids are the
 *   input's bytes, which never contain `<d>`, a quote, a backslash or a control byte; numbers are
 *   the input's text when `Number()` gives the same value back, else `String(value)`, so both
 *   forms read as the same row. A compact line starts with a digit, never with `{`.
 */
import type { SplitName } from './split';

export const COMPACT_SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

/** A compact line's row, shaped like the JSONL object of the same row. */
export interface CompactRow {
  split: SplitName;
  userId: string;
  itemId: string;
  rating: number;
  timestamp?: number;
}

/** Whether a canonical line is in the compact form (else it is JSONL). */
export function isCompactLine(text: string): boolean {
  const c = text.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/** The row of a compact line, or a problem (`"has 3 fields"`) when the line is damaged. */
export function parseCompactLine(text: string): CompactRow | string {
  const split = COMPACT_SPLITS[text.charCodeAt(0) - 48];
  const d = text[1];
  if (split === undefined || (d !== ',' && d !== '\t')) return 'is not a compact row (split digit and delimiter)';
  const fields = text.slice(2).split(d);
  if (fields.length !== 3 && fields.length !== 4) return `has ${fields.length} fields, not 3 or 4`;
  const [userId, itemId, ratingText, timestampText] = fields;
  if (userId === '' || itemId === '') return 'has an empty id';
  const rating = number(ratingText);
  if (rating === null) return 'has a rating that is not a number';
  if (timestampText === undefined) return { split, userId, itemId, rating };
  const timestamp = number(timestampText);
  if (timestamp === null) return 'has a timestamp that is not a number';
  return { split, userId, itemId, rating, timestamp };
}

function number(text: string): number | null {
  const n = text === '' ? NaN : Number(text);
  return Number.isFinite(n) ? n : null;
}

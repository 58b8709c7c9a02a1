/**
 * The canonical row shape of each task: field names, header aliases, and how a raw value
 * (a CSV cell or a JSON value) becomes a canonical value or a row error.
 */
import type { DatasetTask } from './types';

// Hot-path globals bound once: under Jest's vm context every global lookup is slow.
const finite = Number.isFinite;

export type FieldKind = 'id' | 'text' | 'label' | 'rating' | 'timestamp';

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  required: boolean;
  /** Header / JSON key spellings accepted, compared after `normalizeName`. */
  aliases: readonly string[];
}

/** Lower-case and drop everything but letters and digits: `User_ID`, `userId`, `user id` → `userid`. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const f = (name: string, kind: FieldKind, aliases: string[], required = true): FieldSpec => ({
  name, kind, required, aliases: [...new Set([name, ...aliases].map(normalizeName))],
});

export const TASK_FIELDS: Record<DatasetTask, readonly FieldSpec[]> = {
  RECOMMENDATION: [
    f('userId', 'id', ['user_id', 'user', 'userid']),
    f('itemId', 'id', ['item_id', 'item', 'movieId', 'movie_id', 'product_id', 'productId']),
    f('rating', 'rating', ['score']),
    f('timestamp', 'timestamp', ['ts', 'time'], false),
  ],
  TRANSLATION: [
    f('source', 'text', ['src', 'source_text']),
    f('target', 'text', ['tgt', 'target_text']),
  ],
  SUMMARIZATION: [
    f('document', 'text', ['article', 'body', 'text']),
    f('summary', 'text', ['abstract', 'highlights', 'headline']),
  ],
  CLASSIFICATION: [
    f('text', 'text', ['sentence', 'content', 'review']),
    f('label', 'label', ['class', 'category', 'sentiment']),
  ],
};

/** A field larger than this many UTF-8 bytes is a FIELD_TOO_LARGE row error. */
export const MAX_FIELD_BYTES = 1024 * 1024;

export interface RatingRange { min: number; max: number }
/** Ratings must be finite; negative values are allowed (e.g. Jester's −10…10). */
export const DEFAULT_RATING_RANGE: RatingRange = { min: -1e9, max: 1e9 };

export type FieldValue = string | number | undefined;
export interface FieldProblem { code: string; message: string }

/** Byte-size check that only measures strings that could be over the limit. */
export function tooLarge(s: string): boolean {
  if (s.length > MAX_FIELD_BYTES) return true;
  return s.length * 3 > MAX_FIELD_BYTES && Buffer.byteLength(s, 'utf8') > MAX_FIELD_BYTES;
}

/**
 * Converts one raw value to the canonical value of `spec`, or returns a problem.
 * `raw` is a CSV cell (string) or a JSON value (anything); `undefined` means the column/key is absent.
 */
export function convertField(spec: FieldSpec, raw: unknown, ratingRange: RatingRange): FieldValue | FieldProblem {
  if (raw === undefined || raw === null) {
    if (!spec.required) return undefined;
    return { code: 'MISSING_FIELD', message: `${spec.name} is missing` };
  }
  if (typeof raw === 'string' && tooLarge(raw)) {
    return { code: 'FIELD_TOO_LARGE', message: `${spec.name} is larger than 1 MB` };
  }
  switch (spec.kind) {
    case 'id':
    case 'label': {
      if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
        return { code: 'INVALID_TYPE', message: `${spec.name} must be a string or a number` };
      }
      const s = String(raw).trim();
      if (s === '') return { code: 'EMPTY_FIELD', message: `${spec.name} is empty` };
      return s;
    }
    case 'text': {
      if (typeof raw !== 'string') return { code: 'INVALID_TYPE', message: `${spec.name} must be a string` };
      if (raw.trim() === '') return { code: 'EMPTY_FIELD', message: `${spec.name} is empty` };
      return raw;
    }
    case 'rating': {
      const value = toNumber(raw);
      if (value === 'empty') return { code: 'EMPTY_FIELD', message: `${spec.name} is empty` };
      if (value === null || !finite(value)) {
        return { code: 'INVALID_RATING', message: `${spec.name} ${JSON.stringify(clip(raw))} is not a finite number` };
      }
      if (value < ratingRange.min || value > ratingRange.max) {
        return { code: 'RATING_OUT_OF_RANGE', message: `${spec.name} ${value} is outside [${ratingRange.min}, ${ratingRange.max}]` };
      }
      return value;
    }
    case 'timestamp': {
      const value = toNumber(raw);
      if (value === 'empty') return undefined;
      if (value !== null && finite(value)) return value;
      if (typeof raw === 'string') {
        const ms = Date.parse(raw);
        if (Number.isFinite(ms)) return Math.floor(ms / 1000);
      }
      return { code: 'INVALID_TIMESTAMP', message: `${spec.name} ${JSON.stringify(clip(raw))} is neither a number nor a date` };
    }
  }
}

function toNumber(raw: unknown): number | null | 'empty' {
  if (typeof raw === 'number') return raw;
  if (typeof raw !== 'string') return null;
  const s = raw.trim();
  if (s === '') return 'empty';
  // Number() would accept "0x1f", "0b1" and "Infinity"; only plain decimals are ratings.
  return isPlainDecimal(s) ? +s : null;
}

/** `[+-]digits[.digits][e[+-]digits]` (also `.5`, `5.`), checked without a regex on the hot path. */
function isPlainDecimal(s: string): boolean {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 43 || c === 45) c = s.charCodeAt(++i);
  let digits = 0;
  while (c >= 48 && c <= 57) { digits++; c = s.charCodeAt(++i); }
  if (c === 46) {
    c = s.charCodeAt(++i);
    while (c >= 48 && c <= 57) { digits++; c = s.charCodeAt(++i); }
  }
  if (digits === 0) return false;
  if (c === 101 || c === 69) {
    c = s.charCodeAt(++i);
    if (c === 43 || c === 45) c = s.charCodeAt(++i);
    let exp = 0;
    while (c >= 48 && c <= 57) { exp++; c = s.charCodeAt(++i); }
    if (exp === 0) return false;
  }
  return i === n;
}

function clip(raw: unknown): unknown {
  return typeof raw === 'string' && raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
}

export function isProblem(v: FieldValue | FieldProblem): v is FieldProblem {
  return typeof v === 'object' && v !== null;
}

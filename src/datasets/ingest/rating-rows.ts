/**
 * The byte-level fast path for the common case of a large upload: recommendation rows in UTF-8
 * CSV/TSV without quotes, escapes or surrounding spaces (`196,242,3,881250949`). A row is read
 * straight from the input Buffer (delimiters found by one byte loop, numbers parsed from digits)
 * and its canonical line is copied into the output batch without building strings: JSONL, or with
 * `compact` the compact form of `canonical-line.ts` (for `,` and tab input), which is the input
 * line behind a split digit and the delimiter when its columns are already in canonical order.
 *
 * Anything unusual (a quote, a backslash or control byte, a blank-padded or empty id, a rating
 * that is not a short plain decimal or is out of range, a date timestamp, the wrong number of
 * columns, a very long line) answers GENERAL, and the caller sends that row through the general
 * text path, which produces the same output or the row error. Rows taken here give exactly the
 * bytes, stats and splits the general path would.
 */
import type { OutputBuffer } from './output-buffer';
import type { RatingRange } from './schema';
import type { SplitName, SplitSource } from './split';
import { BITSET_LIMIT } from './stats';
import type { RecommendationCollector } from './task-stats';

/** `row` results besides a split index (0 train, 1 validation, 2 test). */
export const GENERAL = -1;
export const BLANK = -2;
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

/** Longer lines (and so any field near the 1 MB limit) take the general path. */
const MAX_FAST_LINE = 16 * 1024;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const DOT = 46;
const BACKSLASH = 92;
const MAX_DIGITS = 15;
const POW10 = Array.from({ length: MAX_DIGITS + 1 }, (_, k) => 10 ** k);

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const HEAD = SPLIT_NAMES.map((split) => ascii(`{"split":"${split}","userId":"`));
const AFTER_USER = ascii('","itemId":"');
const AFTER_ITEM = ascii('","rating":');
const BEFORE_TIMESTAMP = ascii(',"timestamp":');
const END = ascii('}\n');
const SPLIT_DIGITS = [48, 49, 50];
const RATING_PART_OFFSET = 2048;
const RATING_PART_SLOTS = 4 * RATING_PART_OFFSET;

export interface RatingLayout {
  delimiter: string;
  /** Columns per row. */
  columns: number;
  /** Column of userId, itemId, rating, timestamp (−1: not mapped). */
  indexes: readonly number[];
}

export class RatingRowPath {
  private readonly delim: number;
  private readonly columns: number;
  private readonly user: number;
  private readonly item: number;
  private readonly rating: number;
  private readonly timestamp: number;
  /** 1 for the bytes the row loop must look at: the delimiter, control bytes (LF ends the loop), quote, backslash. */
  private readonly special: Uint8Array;
  /** `","rating":<value>` then `,"timestamp":` (even slots) or nothing (odd), for ratings that are multiples of 0.5 in −1024…1023.5. */
  private readonly ratingParts: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(RATING_PART_SLOTS).fill(undefined);
  /** End offset of each field of the current row. */
  private readonly ends: Int32Array;
  /** After a row or BLANK: the offset just past the line's LF. */
  next = 0;
  // The last parsed number (no allocation per field).
  private value = 0;
  private canonical = false;
  /** Writes compact lines (else JSONL). */
  private readonly compact: boolean;
  /** Compact, and the columns are userId, itemId, rating[, timestamp] and nothing else: the line is copied whole. */
  readonly inOrder: boolean;

  /** Whether `layout` can use this path at all (an ASCII delimiter, at most a few hundred columns). */
  static supports(layout: RatingLayout): boolean {
    return layout.delimiter.charCodeAt(0) < 0x80 && layout.columns <= 256 && layout.indexes.length === 4;
  }

  constructor(
    layout: RatingLayout,
    private readonly ratingRange: RatingRange,
    private readonly splitter: SplitSource,
    private readonly stats: RecommendationCollector,
    private readonly out: OutputBuffer,
    compact = false,
  ) {
    this.delim = layout.delimiter.charCodeAt(0);
    this.columns = layout.columns;
    [this.user, this.item, this.rating, this.timestamp] = layout.indexes;
    // Only `,` and tab: a converted number (`1e-7`) never contains them, so fields stay separable.
    this.compact = compact && (layout.delimiter === ',' || layout.delimiter === '\t');
    this.inOrder = this.compact && this.user === 0 && this.item === 1 && this.rating === 2
      && (this.timestamp === 3 ? this.columns === 4 : this.timestamp === -1 && this.columns === 3);
    this.ends = new Int32Array(layout.columns);
    this.special = new Uint8Array(256);
    for (let b = 0; b < SPACE; b++) this.special[b] = 1;
    this.special[QUOTE] = this.special[BACKSLASH] = this.special[this.delim] = 1;
  }

  /**
   * Takes the line at `buf[start]` (valid UTF-8, ended by an LF inside `buf`) that starts on
   * `line`: returns the split index after accepting the row, BLANK for an empty line (`next` is
   * then the offset after the LF), or GENERAL when the general path must handle it (nothing was
   * recorded).
   */
  row(buf: Buffer, start: number, line: number): number {
    if (this.inOrder) {
      const split = this.plainRow(buf, start, line);
      if (split !== GENERAL) return split;
    }
    const delim = this.delim;
    const ends = this.ends;
    const last = this.columns - 1;
    let n = 0;
    let i = start;
    const special = this.special;
    // The line is copied into the output while it is scanned (behind room for the split digit
    // and delimiter): a compact row in canonical order is then complete. Room is made for the
    // longest line this path takes; a longer one goes GENERAL (typed-array writes past the end of
    // the batch are dropped), and a row not taken leaves `out.pos` where it was.
    const out = this.out;
    out.reserve(MAX_FAST_LINE + 128);
    const dst = out.buf;
    let p = out.pos + 2;
    for (let b = buf[i]; b !== LF; b = buf[++i]) {
      dst[p++] = b;
      if (special[b] === 0) continue;
      if (b === delim) {
        if (n === last) return GENERAL;
        ends[n++] = i;
      } else if (b !== CR || buf[i + 1] !== LF) return GENERAL;
    }
    this.next = i + 1;
    const stop = i > start && buf[i - 1] === CR ? i - 1 : i;
    if (stop === start) return BLANK;
    if (n !== last || stop - start > MAX_FAST_LINE) return GENERAL;
    ends[n] = stop;

    const us = this.user === 0 ? start : ends[this.user - 1] + 1;
    const ue = ends[this.user];
    const is = this.item === 0 ? start : ends[this.item - 1] + 1;
    const ie = ends[this.item];
    if (!plainId(buf, us, ue) || !plainId(buf, is, ie)) return GENERAL;

    const rs = this.rating === 0 ? start : ends[this.rating - 1] + 1;
    const re = ends[this.rating];
    if (!this.parseDecimal(buf, rs, re)) return GENERAL;
    const rating = this.value;
    const ratingCanonical = this.canonical;
    if (rating < this.ratingRange.min || rating > this.ratingRange.max) return GENERAL;

    let ts = -1;
    let te = -1;
    let timestamp = 0;
    let timestampCanonical = true;
    if (this.timestamp >= 0) {
      ts = this.timestamp === 0 ? start : ends[this.timestamp - 1] + 1;
      te = ends[this.timestamp];
      if (ts === te) ts = -1; // empty: no timestamp
      else if (!this.parseDecimal(buf, ts, te)) return GENERAL;
      else { timestamp = this.value; timestampCanonical = this.canonical; }
    }

    const split = this.splitter.assignIndex(line);
    this.stats.addFields(buf, us, ue, buf, is, ie, rating, ts >= 0);

    if (this.compact) {
      dst[out.pos] = SPLIT_DIGITS[split];
      dst[out.pos + 1] = delim;
      if (this.inOrder && ratingCanonical && timestampCanonical) {
        p = out.pos + 2 + (ts < 0 ? re : stop) - start; // the input line, copied above (an empty timestamp: without its delimiter)
      } else {
        p = copy(dst, out.pos + 2, buf, us, ue);
        dst[p++] = delim;
        p = copy(dst, p, buf, is, ie);
        dst[p++] = delim;
        p = ratingCanonical ? copy(dst, p, buf, rs, re) : putNumber(dst, p, rating);
        if (ts >= 0) {
          dst[p++] = delim;
          p = timestampCanonical ? copy(dst, p, buf, ts, te) : putNumber(dst, p, timestamp);
        }
      }
      dst[p++] = LF;
      out.pos = p;
      return split;
    }
    const head = HEAD[split];
    dst.set(head, out.pos); // natively: the longest constant
    p = out.pos + head.length;
    p = copy(dst, p, buf, us, ue);
    p = put(dst, p, AFTER_USER);
    p = copy(dst, p, buf, is, ie);
    const slot = (rating * 2 + RATING_PART_OFFSET) * 2 + (ts >= 0 ? 0 : 1);
    if (slot >= 0 && slot < RATING_PART_SLOTS && (slot | 0) === slot) {
      const part = this.ratingParts[slot] ?? this.ratingPart(slot, rating, ts >= 0);
      dst.set(part, p);
      p += part.length;
    } else {
      p = put(dst, p, AFTER_ITEM);
      p = ratingCanonical ? copy(dst, p, buf, rs, re) : putNumber(dst, p, rating);
      if (ts >= 0) p = put(dst, p, BEFORE_TIMESTAMP);
    }
    if (ts >= 0) p = timestampCanonical ? copy(dst, p, buf, ts, te) : putNumber(dst, p, timestamp);
    out.pos = put(dst, p, END);
    return split;
  }

  /**
   * The most common row read in one pass, each byte once: columns in canonical order, ids that
   * are small canonical integers, a plain non-negative rating and timestamp as `String()` writes
   * them (`196,242,3,881250949`). Returns its split after recording exactly what `row` would, or
   * GENERAL having recorded nothing (only bytes past `out.pos` are written), and `row` reads it in full.
   */
  private plainRow(buf: Buffer, start: number, line: number): number {
    const out = this.out;
    out.reserve(MAX_FAST_LINE + 128);
    const dst = out.buf;
    const delim = this.delim;
    let p = out.pos + 2;
    let i = start;
    let b = 0;
    let d = 0;
    let user = 0;
    for (b = buf[i]; (d = b - 48) >= 0 && d <= 9; b = buf[++i]) { user = user * 10 + d; dst[p++] = b; }
    let n = i - start;
    if (b !== delim || n === 0 || n > 8 || (n > 1 && buf[start] === 48) || user >= BITSET_LIMIT) return GENERAL;
    dst[p++] = b;
    const is = ++i;
    let item = 0;
    for (b = buf[i]; (d = b - 48) >= 0 && d <= 9; b = buf[++i]) { item = item * 10 + d; dst[p++] = b; }
    n = i - is;
    if (b !== delim || n === 0 || n > 8 || (n > 1 && buf[is] === 48) || item >= BITSET_LIMIT) return GENERAL;
    dst[p++] = b;
    const rs = ++i;
    let mantissa = 0;
    for (b = buf[i]; (d = b - 48) >= 0 && d <= 9; b = buf[++i]) { mantissa = mantissa * 10 + d; dst[p++] = b; }
    const intDigits = i - rs;
    let fracDigits = 0;
    if (b === DOT) {
      dst[p++] = b;
      const fs = ++i;
      for (b = buf[i]; (d = b - 48) >= 0 && d <= 9; b = buf[++i]) { mantissa = mantissa * 10 + d; dst[p++] = b; }
      fracDigits = i - fs;
      if (fracDigits === 0 || buf[i - 1] === 48) return GENERAL; // `5.`, `4.0`: not as String() writes them
    }
    if (intDigits === 0 || (intDigits > 1 && buf[rs] === 48) || intDigits + fracDigits > MAX_DIGITS) return GENERAL;
    const rating = fracDigits ? mantissa / POW10[fracDigits] : mantissa;
    if ((fracDigits && buf[rs] === 48 && rating < 1e-6) || rating < this.ratingRange.min || rating > this.ratingRange.max) return GENERAL;
    const hasTimestamp = this.timestamp === 3;
    if (hasTimestamp) {
      if (b !== delim) return GENERAL;
      dst[p++] = b;
      const ts = ++i;
      for (b = buf[i]; (d = b - 48) >= 0 && d <= 9; b = buf[++i]) dst[p++] = b;
      n = i - ts;
      if (n === 0 || n > MAX_DIGITS || (n > 1 && buf[ts] === 48)) return GENERAL;
    }
    if (b === CR && buf[i + 1] === LF) this.next = i + 2;
    else if (b === LF) this.next = i + 1;
    else return GENERAL;
    const split = this.splitter.assignIndex(line);
    this.stats.addInts(user, item, rating, hasTimestamp);
    dst[out.pos] = SPLIT_DIGITS[split];
    dst[out.pos + 1] = delim;
    dst[p++] = LF;
    out.pos = p;
    return split;
  }

  private ratingPart(slot: number, rating: number, timestamp: boolean): Uint8Array {
    const part = ascii(`","rating":${rating}${timestamp ? ',"timestamp":' : ''}`);
    this.ratingParts[slot] = part;
    return part;
  }

  /**
   * Parses `[+-]digits[.digits]` with at most 15 digits into `this.value` (exactly `+text`: the
   * digits and the power of ten are exact doubles, so one division rounds correctly), and sets
   * `this.canonical` when `String(value)` would give back the same bytes. False for anything
   * else (exponents, spaces, long or empty numbers), which the general path judges.
   */
  private parseDecimal(buf: Buffer, start: number, end: number): boolean {
    let i = start;
    let negative = false;
    let canonical = true;
    let c = buf[i];
    if (c === 45) { negative = true; i++; }
    else if (c === 43) { canonical = false; i++; }
    const intStart = i;
    let mantissa = 0;
    while (i < end && (c = buf[i] - 48) >= 0 && c <= 9) { mantissa = mantissa * 10 + c; i++; }
    const intDigits = i - intStart;
    let fracDigits = 0;
    let dot = false;
    if (i < end && buf[i] === DOT) {
      dot = true;
      const fracStart = ++i;
      while (i < end && (c = buf[i] - 48) >= 0 && c <= 9) { mantissa = mantissa * 10 + c; i++; }
      fracDigits = i - fracStart;
    }
    if (i !== end || intDigits + fracDigits === 0 || intDigits + fracDigits > MAX_DIGITS) return false;
    let value = fracDigits ? mantissa / POW10[fracDigits] : mantissa;
    if (negative) value = -value;
    if (canonical) {
      const leadingZero = buf[intStart] === 48;
      canonical = intDigits > 0 && !(leadingZero && intDigits > 1) && !(negative && value === 0)
        && (!dot || (fracDigits > 0 && buf[end - 1] !== 48 && (!leadingZero || Math.abs(value) >= 1e-6)));
    }
    this.value = value;
    this.canonical = canonical;
    return true;
  }
}

/** An id needing no trim and no JSON escape: non-empty, printable ASCII at both ends (the row loop rejected quotes, backslashes and control bytes). */
function plainId(buf: Buffer, start: number, end: number): boolean {
  if (start === end) return false;
  const first = buf[start];
  const last = buf[end - 1];
  return first > SPACE && first < 0x80 && last > SPACE && last < 0x80;
}

function put(dst: Buffer, p: number, bytes: Uint8Array): number {
  for (let k = 0; k < bytes.length; k++) dst[p++] = bytes[k];
  return p;
}

function copy(dst: Buffer, p: number, src: Buffer, start: number, end: number): number {
  for (let k = start; k < end; k++) dst[p++] = src[k];
  return p;
}

function putNumber(dst: Buffer, p: number, value: number): number {
  const s = `${value}`;
  for (let k = 0; k < s.length; k++) dst[p++] = s.charCodeAt(k);
  return p;
}

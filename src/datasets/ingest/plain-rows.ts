/**
 * The WebAssembly reader of plain recommendation rows (`wasm/plain-rows.as.ts`), seen from the
 * ingest pipeline. For the rows it takes it does what `RatingRowPath.plainRow` does (split,
 * stats, compact line) in about half the time; at the first row it does not take it stops, and
 * the pipeline reads that row in JavaScript as before and calls again. Its counts reach the
 * stats collector in `flush` (before the pipeline reads a row with a rating value the histogram
 * has not seen, and at the end), so the result is the same whichever reader took a row.
 */
import type { OutputBuffer } from './output-buffer';
import type { RatingRange } from './schema';
import type { SplitCuts } from './split';
import type { RecommendationCollector } from './task-stats';
import { PLAIN_ROWS_WASM } from './wasm/plain-rows.wasm';

// The layout of plain-rows.as.ts.
const KNOWN = 0;
const HALVES = 4096;
const IN = 65536;
const IN_CAP = 1 << 20;
const OUT = IN + IN_CAP;
const USERS = 4 << 20;
const ITEMS = 12 << 20;
const SLOTS = 4096;
const SLOT_OFFSET = 2048;
const PAGES = 320;

/** `scan` results. */
export const enum Scan { END = 0, GENERAL = 1, NEW_RATING = 2, OUT_FULL = 3, INCOMPLETE = 4 }

// The WebAssembly API as used here (the project's `lib` has no DOM types, which declare it).
interface Global { value: number }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: object };
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: WasmApi };

interface Exports {
  scan(inEnd: number): number;
  resetCounts(): void;
  delim: Global; hasTimestamp: Global; seedMix: Global;
  trainCut: Global; validationCut: Global; ratingMin: Global; ratingMax: Global;
  inPos: Global; outPos: Global; line: Global;
  rows: Global; train: Global; validation: Global; test: Global;
  withTimestamp: Global; twiceSum: Global; low: Global; high: Global;
  userWords: Global; itemWords: Global; newSlot: Global;
}

let compiled: object | null = null;
function module(): object {
  compiled ??= new WebAssembly.Module(Buffer.from(PLAIN_ROWS_WASM, 'base64'));
  return compiled;
}

export interface PlainRowLayout {
  /** `,` or tab. */
  delimiter: string;
  hasTimestamp: boolean;
}

/** After this many calls in a row that took no row, the reader is not used again for the upload. */
const MAX_MISSES = 256;

export class PlainRowReader {
  /** Rows taken by every reader of this process (a metric; tests check the reader is used). */
  static totalRows = 0;
  /** Whether the caller should offer rows (false once the histogram samples, after `MAX_MISSES`, or after `finish`). */
  active = true;
  /** Consecutive `take` calls that took no row. */
  private misses = 0;
  /** The caller is reading a row with a rating new to the reader: settle it on the next call. */
  private newRatingPending = false;
  /** Rows (and rows per split: train, validation, test) counted into the stats so far. */
  private rows = 0;
  private readonly splitCounts = [0, 0, 0];
  private finished = false;
  private readonly x: Exports;
  private readonly mem: Uint8Array;
  /** The input window: `buf[winStart, winEnd)` is at IN. */
  private win: Buffer | null = null;
  private winStart = 0;
  private winEnd = 0;
  /** After `take`: where the rows taken end, and the line number there. */
  pos = 0;
  line = 0;

  constructor(layout: PlainRowLayout, split: SplitCuts, range: RatingRange, private readonly stats: RecommendationCollector) {
    const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES });
    this.x = new WebAssembly.Instance(module(), { env: { memory } }).exports as unknown as Exports;
    this.mem = new Uint8Array(memory.buffer);
    const x = this.x;
    x.delim.value = layout.delimiter.charCodeAt(0);
    x.hasTimestamp.value = layout.hasTimestamp ? 1 : 0;
    x.seedMix.value = split.seedMix;
    x.trainCut.value = split.trainCut;
    x.validationCut.value = split.validationCut;
    x.ratingMin.value = range.min;
    x.ratingMax.value = range.max;
  }

  /** Forgets the input window (its bytes may be reused by the caller). */
  release(): void {
    this.win = null;
  }

  /**
   * Takes the plain rows of `buf[pos, end)` (whole lines; the first on line `line`), writing their
   * compact lines into `out`. True when it took them all; else the caller must read the row at
   * `this.pos` (on line `this.line`) itself, then may call again for the rest.
   */
  take(buf: Buffer, pos: number, end: number, line: number, out: OutputBuffer): boolean {
    if (this.newRatingPending) this.settleNewRating();
    const status = this.scan(buf, pos, end, line, out);
    this.misses = this.pos === pos ? this.misses + 1 : 0;
    if (this.misses > MAX_MISSES) this.active = false;
    // The histogram must count a new value before the reader may: its counts so far go first.
    if (status === Scan.NEW_RATING) {
      this.flush();
      this.newRatingPending = true;
    }
    return status === Scan.END;
  }

  /**
   * `take`'s scan: returns END when it took every row, else GENERAL or NEW_RATING for the row at
   * `this.pos`, which the caller must read (after a NEW_RATING: `flush` first, `settleNewRating` after).
   */
  scan(buf: Buffer, pos: number, end: number, line: number, out: OutputBuffer): Scan.END | Scan.GENERAL | Scan.NEW_RATING {
    const x = this.x;
    let at = pos;
    let ln = line;
    for (;;) {
      if (at >= end) {
        this.pos = at;
        this.line = ln;
        return Scan.END;
      }
      if (this.win !== buf || at < this.winStart || at >= this.winEnd) {
        const n = Math.min(IN_CAP, end - at);
        this.mem.set(buf.subarray(at, at + n), IN);
        this.win = buf;
        this.winStart = at;
        this.winEnd = at + n;
      }
      x.inPos.value = at - this.winStart;
      x.line.value = ln;
      let status: number;
      do {
        status = x.scan(this.winEnd - this.winStart);
        const produced = x.outPos.value;
        if (produced > 0) {
          out.reserve(produced);
          out.buf.set(this.mem.subarray(OUT, OUT + produced), out.pos);
          out.pos += produced;
          x.outPos.value = 0;
        }
      } while (status === Scan.OUT_FULL);
      const next = this.winStart + x.inPos.value;
      ln += (x.line.value - ln) | 0; // the reader counts lines in 32 bits: add the rows it took
      if (status === Scan.END) {
        at = next;
        continue;
      }
      if (status === Scan.INCOMPLETE && this.winEnd < end && next > this.winStart) {
        at = next; // the line goes on past the window: a new window starts with it
        this.win = null;
        continue;
      }
      this.pos = next;
      this.line = ln;
      return status === Scan.NEW_RATING ? Scan.NEW_RATING : Scan.GENERAL;
    }
  }

  /** The rating of the row NEW_RATING stopped at. */
  get newRating(): number {
    return ((this.x.newSlot.value) - SLOT_OFFSET) / 2;
  }

  /**
   * After the caller read a NEW_RATING row: the reader takes that rating from now on only if the
   * collector counted it exactly, and no more rows once the histogram samples (past 1000 distinct
   * ratings; a sample depends on the order of rows).
   */
  settleNewRating(): void {
    this.newRatingPending = false;
    if (!this.stats.canCount(this.newRating)) this.mem[KNOWN + this.x.newSlot.value] = 0;
    if (!this.stats.histogramExact) this.active = false;
  }

  /** Adds the counts since the last flush to the stats collector; returns the rows. */
  flush(): number {
    const x = this.x;
    const rows = x.rows.value;
    if (rows === 0) return 0;
    this.stats.addCounted({
      rows,
      withTimestamp: x.withTimestamp.value,
      twiceSum: x.twiceSum.value,
      low: x.low.value / 2,
      high: x.high.value / 2,
      halves: new Float64Array(this.mem.buffer, HALVES, SLOTS),
    });
    this.splitCounts[0] += x.train.value;
    this.splitCounts[1] += x.validation.value;
    this.splitCounts[2] += x.test.value;
    x.resetCounts();
    this.rows += rows;
    PlainRowReader.totalRows += rows;
    return rows;
  }

  /**
   * At the end (once; null after): the last flush and the ids seen go into the stats, and the
   * caller gets the rows taken in all, per split (train, validation, test), for its own counts.
   */
  finish(): { rows: number; splitCounts: number[] } | null {
    if (this.finished) return null;
    this.finished = true;
    this.active = false;
    this.flush();
    const users = new Uint32Array(this.mem.buffer, USERS, this.x.userWords.value + 1);
    const items = new Uint32Array(this.mem.buffer, ITEMS, this.x.itemWords.value + 1);
    this.stats.addIdBits(users, items);
    return { rows: this.rows, splitCounts: this.splitCounts };
  }
}

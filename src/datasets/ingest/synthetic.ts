/**
 * A synthetic ratings CSV generated on the fly (never held in memory), for the constant-memory
 * test and the ingest benchmark: `userId,movieId,rating,timestamp` rows in the ml-latest form.
 */
import { Readable } from 'node:stream';
import { mulberry32 } from './stats';

// Bound once: under Jest's vm context every global lookup is slow.
const { floor } = Math;

const HEADER = 'userId,movieId,rating,timestamp\n';
/** A row is at most four 16-digit numbers and its separators. */
const ROW_MAX_BYTES = 80;
const COMMA = 44;
const DOT = 46;
const FIVE = 53;
const LF = 10;

/** Writes the decimal digits of a non-negative safe integer at `pos`; returns the end. */
function writeInt(buf: Buffer, pos: number, value: number): number {
  let digits = 1;
  for (let v = value; v >= 10; v = floor(v / 10)) digits++;
  const end = pos + digits;
  for (let v = value, i = end - 1; i >= pos; i--, v = floor(v / 10)) buf[i] = 48 + (v % 10);
  return end;
}

export interface SyntheticRatingsOptions {
  /** Stop after the first row that reaches this many bytes. */
  bytes: number;
  users?: number;
  items?: number;
  seed?: number;
  header?: boolean;
  /** Bytes per chunk pushed (default 64 KiB). */
  chunkBytes?: number;
}

/** Returns a Readable of ratings CSV plus a `rows` counter filled in as it is read. */
export function syntheticRatings(opts: SyntheticRatingsOptions): Readable & { rows: () => number } {
  const users = opts.users ?? 100_000;
  const items = opts.items ?? 20_000;
  const chunkBytes = opts.chunkBytes ?? 64 * 1024;
  const random = mulberry32(opts.seed ?? 1);
  let produced = 0;
  let rows = 0;
  let headerDone = !(opts.header ?? true);
  const stream = new Readable({
    read() {
      if (produced >= opts.bytes) return void this.push(null);
      // Rows are written as bytes (ASCII digits) into one Buffer per chunk: the generator must
      // not be slower than the ingest it feeds.
      const chunk = Buffer.allocUnsafe(chunkBytes + ROW_MAX_BYTES + HEADER.length);
      let pos = 0;
      if (!headerDone) {
        pos = chunk.write(HEADER, 0, 'latin1');
        headerDone = true;
      }
      while (pos < chunkBytes && produced + pos < opts.bytes) {
        const user = 1 + floor(random() * users);
        const item = 1 + floor(random() * items);
        const halves = 1 + floor(random() * 10); // rating = halves / 2
        pos = writeInt(chunk, pos, user);
        chunk[pos++] = COMMA;
        pos = writeInt(chunk, pos, item);
        chunk[pos++] = COMMA;
        pos = writeInt(chunk, pos, halves >> 1);
        if (halves & 1) { chunk[pos++] = DOT; chunk[pos++] = FIVE; }
        chunk[pos++] = COMMA;
        pos = writeInt(chunk, pos, 1_500_000_000 + rows);
        chunk[pos++] = LF;
        rows++;
      }
      produced += pos;
      this.push(chunk.subarray(0, pos));
    },
  });
  return Object.assign(stream, { rows: () => rows });
}

/**
 * A synthetic ratings CSV generated on the fly (never held in memory), for the constant-memory
 * test and the ingest benchmark: `userId,movieId,rating,timestamp` rows in the ml-latest form.
 */
import { Readable } from 'node:stream';
import { mulberry32 } from './stats';

// Bound once: under Jest's vm context every global lookup is slow.
const { floor } = Math;

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
      let chunk = '';
      if (!headerDone) {
        chunk = 'userId,movieId,rating,timestamp\n';
        headerDone = true;
      }
      while (chunk.length < chunkBytes && produced + chunk.length < opts.bytes) {
        const user = 1 + floor(random() * users);
        const item = 1 + floor(random() * items);
        const rating = (1 + floor(random() * 10)) / 2;
        chunk += `${user},${item},${rating},${1_500_000_000 + rows}\n`;
        rows++;
      }
      produced += chunk.length;
      this.push(chunk);
    },
  });
  return Object.assign(stream, { rows: () => rows });
}

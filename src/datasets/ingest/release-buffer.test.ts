import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { ingest } from './ingest';
import { releaseBuffer } from './release-buffer';
import { CollectingSink } from './test-support';
import { ingestInWorker } from './threaded-ingest';
import type { IngestOptions } from './types';

const REC = { task: 'RECOMMENDATION', format: 'CSV', maxBytes: 1 << 30, compactRows: true } as const;
const CSV = Buffer.from(`userId,movieId,rating,timestamp\n${Array.from({ length: 40_000 }, (_, k) => `${1 + (k % 900)},${1 + (k % 1600)},${1 + (k % 5)},${880000000 + k}`).join('\n')}\n`);

/** Chunks that each own their memory, as an HTTP body's do. */
function ownedChunks(data: Buffer, size = 64 * 1024): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) {
    const chunk = Buffer.allocUnsafeSlow(Math.min(size, data.length - at));
    data.copy(chunk, 0, at);
    chunks.push(chunk);
  }
  return chunks;
}

async function run(chunks: Buffer[], opts: Partial<IngestOptions>, how = ingest) {
  const sink = new CollectingSink();
  const result = await how(Readable.from(chunks, { objectMode: false }), sink, { ...REC, ...opts });
  return { result, text: sink.text() };
}

describe('releaseBuffer', () => {
  it('frees only a buffer that owns all of its memory', () => {
    const owned = Buffer.allocUnsafeSlow(64 * 1024).fill(1);
    const big = Buffer.alloc(128 * 1024, 2);
    const slice = big.subarray(0, 64 * 1024);
    const small = Buffer.allocUnsafeSlow(1024);
    expect([releaseBuffer(slice), releaseBuffer(small), releaseBuffer(Buffer.from('abc'))]).toEqual([false, false, false]);
    expect(slice[10]).toBe(2);
    expect(releaseBuffer(owned)).toBe(true);
    expect(owned.length).toBe(0);
    expect(owned.buffer.byteLength).toBe(0);
  });
});

describe('ingest with releaseChunks', () => {
  it('gives the same output and result, and leaves each chunk it read empty', async () => {
    const expected = await run(ownedChunks(CSV), {});
    const chunks = ownedChunks(CSV);
    const lengths = chunks.map((c) => c.length);
    const released = await run(chunks, { releaseChunks: true });
    expect(released.result).toEqual(expected.result);
    expect(released.text === expected.text).toBe(true);
    // All but the first (the binary sniff reads a copy of it) and any under 16 KB (not worth it).
    expect(chunks.map((c) => c.length > 0)).toEqual(lengths.map((n, k) => k === 0 || n < 16 * 1024));
    expect(lengths.filter((n) => n >= 16 * 1024).length).toBeGreaterThan(10);
  });

  it('leaves alone chunks that share memory, and gzip input', async () => {
    const shared = Array.from({ length: Math.ceil(CSV.length / 65_536) }, (_, k) => CSV.subarray(k * 65_536, (k + 1) * 65_536));
    const expected = await run(shared, {});
    expect((await run(shared, { releaseChunks: true })).result).toEqual(expected.result);
    expect(shared.reduce((n, c) => n + c.length, 0)).toBe(CSV.length);
    const gz = ownedChunks(zlib.gzipSync(CSV), 16 * 1024);
    const unzipped = await run(gz, { releaseChunks: true });
    expect(unzipped.result).toMatchObject({ ok: true, rowCount: 40_000, stats: expected.result.stats });
    expect(gz.every((c) => c.length > 0)).toBe(true);
  });

  it('gives the same output and result for a gzip upload, whose whole 1 MB inflated chunks it frees', async () => {
    // ~4.5 MB inflated: several full 1 MB output chunks of gunzip (freed once read; a chunk that is
    // a slice of gunzip's buffer is not, and freeing one would corrupt the rows after it).
    const big = Buffer.from(`userId,movieId,rating,timestamp\n${Array.from({ length: 200_000 }, (_, k) => `${1 + ((k * 7) % 900)},${1 + ((k * 13) % 1600)},${1 + (k % 5)},${880000000 + k}`).join('\n')}\n`);
    const gz = zlib.gzipSync(big);
    const expected = await run(ownedChunks(gz), {});
    const chunks = ownedChunks(gz);
    const released = await run(chunks, { releaseChunks: true });
    expect(expected.result).toMatchObject({ ok: true, rowCount: 200_000 });
    expect(released.result).toEqual(expected.result);
    expect(released.text === expected.text).toBe(true);
    expect(chunks.every((c) => c.length > 0)).toBe(true); // the compressed input is gunzip's: never freed
  });

  it('frees the source chunks on the calling side of the worker thread, with the same result', async () => {
    const expected = await run(ownedChunks(CSV), {});
    const chunks = ownedChunks(CSV);
    const lengths = chunks.map((c) => c.length);
    const threaded = await run(chunks, { releaseChunks: true }, ingestInWorker);
    expect(threaded.result).toEqual(expected.result);
    expect(threaded.text === expected.text).toBe(true);
    expect(chunks.map((c) => c.length > 0)).toEqual(lengths.map((n) => n < 16 * 1024));
  });
});

import fs from 'node:fs';
import { PassThrough, Readable, Writable } from 'node:stream';
import zlib from 'node:zlib';
import { ingest } from './ingest';
import { syntheticRatings } from './synthetic';
import { chunked, CollectingSink, datasetsDir } from './test-support';
import { ingestInWorker } from './threaded-ingest';
import type { IngestOptions, IngestResult } from './types';

type Opts = Partial<IngestOptions> & Pick<IngestOptions, 'task' | 'format'>;

/** A sink that is slow like a disk (asynchronous, small buffer), so backpressure is exercised. */
class SlowSink extends CollectingSink {
  constructor() {
    super({ highWaterMark: 16 * 1024 });
  }
  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    super._write(chunk, encoding, () => setImmediate(callback));
  }
}

async function bothWays(data: Buffer | string, opts: Opts, chunkSize = 64 * 1024) {
  const full: IngestOptions = { maxBytes: 1 << 30, ...opts };
  const inThread = new CollectingSink();
  const a = await ingest(chunked(data, chunkSize), inThread, full);
  const threaded = new SlowSink();
  const b = await ingestInWorker(chunked(data, chunkSize), threaded, full);
  return { inThread: { result: a, text: inThread.text() }, threaded: { result: b, text: threaded.text() } };
}

async function expectSame(data: Buffer | string, opts: Opts, chunkSize?: number): Promise<IngestResult> {
  const { inThread, threaded } = await bothWays(data, opts, chunkSize);
  expect(threaded.result).toEqual(inThread.result);
  // After a fatal error the sink holds a partial file to discard, cut wherever each one stopped.
  if (!inThread.result.fatal) expect(threaded.text).toBe(inThread.text);
  return threaded.result;
}

const REC = { task: 'RECOMMENDATION', format: 'CSV', maxBytes: 1 << 30 } as const;

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('ingest in a worker thread', () => {
  it('gives exactly the in-thread result and lines for 12 MB of ratings (many batches, a slow sink), JSONL and compact', async () => {
    const data = await collect(syntheticRatings({ bytes: 12 << 20, seed: 5 }));
    for (const compactRows of [false, true]) {
      const result = await expectSame(data, { ...REC, compactRows });
      expect(result.ok).toBe(true);
      expect(result.rowCount).toBeGreaterThan(400_000);
      expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  }, 60_000);

  it('gives the same row errors, line numbers, stats, splits and preview for a file full of problems', async () => {
    const csv = 'user,item,rating,ts\n1,2,4,1\n1,3,great,2\n"a\nb",4,5,3\n1,2\n,2,3,4\n1,5,1e400,5\n2,2,-3,2020-01-01T00:00:00Z\n' + '7,8,2.5,9\n'.repeat(3000) + '1,2,"unclosed\n';
    const result = await expectSame(csv, { ...REC, maxErrors: 3, previewRows: 5 }, 7);
    expect(result.errorCount).toBe(5);
    expect(result.errors).toHaveLength(3);
    const split = 'text,label,split\n' + Array.from({ length: 50 }, (_, i) => `t${i},l${i % 3},${['train', 'dev', 'test', 'nope'][i % 4]}`).join('\n');
    await expectSame(split, { task: 'CLASSIFICATION', format: 'CSV', splitColumn: 'split' }, 13);
  });

  it('gives the same result for gzip, latin1 and JSONL input, and for every fatal error', async () => {
    await expectSame(zlib.gzipSync(Buffer.from('user,item,rating\n' + '1,2,3\n'.repeat(5000))), REC, 100);
    await expectSame(zlib.gzipSync(Buffer.from('user,item,rating\n1,2,3\n')).subarray(0, 20), REC);
    await expectSame(Buffer.from('caf\xe9@positive\nna\xefve@negative\n', 'latin1'), { task: 'CLASSIFICATION', format: 'CSV', delimiter: '@', encoding: 'latin1', hasHeader: false });
    await expectSame('{"source":"a","target":"b"}\n{"source":1}\nnot json\n', { task: 'TRANSLATION', format: 'JSONL' });
    expect((await expectSame(Buffer.concat([Buffer.from([0x89, 0x50, 0, 0]), Buffer.alloc(20000, 7)]), REC)).fatal?.code).toBe('BINARY');
    expect((await expectSame('', REC)).fatal?.code).toBe('EMPTY');
    expect((await expectSame('user,item,when\n1,2,3\n', REC)).fatal?.code).toBe('BAD_HEADER');
    expect((await expectSame('text,label,split\na,b,train\n', { task: 'CLASSIFICATION', format: 'CSV', splitColumn: 'split' })).fatal?.code).toBe('EMPTY_SPLIT');
    const big = '1,2,3\n'.repeat(400_000);
    const tooLarge = await expectSame(big, { ...REC, maxBytes: 1_000_000 }, 64 * 1024);
    expect(tooLarge.fatal?.code).toBe('TOO_LARGE');
    expect(tooLarge.byteSize).toBe(1_048_576); // the chunk that crossed the limit, not hashed, and nothing after it
  });

  it('loads MovieLens u.data like the in-thread path', async () => {
    const dir = datasetsDir();
    if (!dir || !fs.existsSync(`${dir}/movielens-100k/u.data`)) return;
    const result = await expectSame(fs.readFileSync(`${dir}/movielens-100k/u.data`), { task: 'RECOMMENDATION', format: 'TSV', compactRows: true });
    expect(result.rowCount).toBe(100_000);
  });

  it('stops reading at once on TOO_LARGE without destroying the source', async () => {
    let pulled = 0;
    const source = new Readable({ read() { pulled++; this.push(Buffer.from('1,2,3\n'.repeat(1000))); } });
    const result = await ingestInWorker(source, new CollectingSink(), { ...REC, maxBytes: 50_000 });
    expect(result.fatal?.code).toBe('TOO_LARGE');
    expect(result.byteSize).toBeGreaterThan(50_000);
    expect(result.byteSize).toBeLessThan(50_000 + 6000 * 3);
    const pulledAtEnd = pulled;
    await new Promise((r) => setTimeout(r, 20));
    expect(pulled - pulledAtEnd).toBeLessThanOrEqual(1);
    expect(source.destroyed).toBe(false);
    source.destroy();
  });

  it('reports a source that fails half way, a cancelled signal and a closed connection as ABORTED, with the in-thread messages', async () => {
    const failing = new PassThrough();
    const failed = ingestInWorker(failing, new CollectingSink(), REC);
    failing.write('user,item,rating\n' + '1,2,3\n'.repeat(1000));
    setTimeout(() => failing.destroy(new Error('socket hang up')), 10);
    expect((await failed).fatal).toEqual({ code: 'ABORTED', message: 'the upload failed before it was complete (socket hang up)' });

    const controller = new AbortController();
    const open = new PassThrough();
    const cancelled = ingestInWorker(open, new CollectingSink(), { ...REC, signal: controller.signal });
    open.write('user,item,rating\n1,2,3\n');
    setTimeout(() => controller.abort(), 10);
    expect((await cancelled).fatal).toEqual({ code: 'ABORTED', message: 'the upload was cancelled' });

    const closing = new PassThrough();
    const closed = ingestInWorker(closing, new CollectingSink(), REC);
    closing.write('user,item,rating\n1,2,3\n');
    setTimeout(() => closing.destroy(), 10);
    expect((await closed).fatal).toEqual({ code: 'ABORTED', message: 'the upload ended before it was complete' });
  });

  it('rejects when the sink fails, and for invalid options before starting a thread', async () => {
    const broken = new Writable({ write(_chunk, _encoding, callback) { callback(new Error('disk full')); } });
    const data = await collect(syntheticRatings({ bytes: 4 << 20, seed: 1 }));
    await expect(ingestInWorker(chunked(data, 65536), broken, REC)).rejects.toThrow('disk full');
    await expect(ingestInWorker(chunked('x'), new CollectingSink(), { ...REC, maxBytes: -1 })).rejects.toThrow('maxBytes must be a positive number');
  });

  it('leaves the sink open with endSink: false', async () => {
    const sink = new CollectingSink();
    const result = await ingestInWorker(chunked('1,2,3\n'), sink, { ...REC, maxBytes: 100, endSink: false });
    expect(result.ok).toBe(true);
    expect(sink.writableEnded).toBe(false);
    expect(sink.lines()).toHaveLength(1);
  });
});

/** Helpers for the ingest unit tests (not a test file itself). */
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { isCompactLine, parseCompactLine } from './canonical-line';
import { ingest } from './ingest';
import type { IngestOptions, IngestResult } from './types';

/** The shared real datasets: $TUNEFORGE_DATASETS, else `../shared/datasets` beside the repo root. */
export function datasetsDir(): string | null {
  const repoRoot = path.resolve(__dirname, '../../..');
  const dir = process.env.TUNEFORGE_DATASETS ?? path.resolve(repoRoot, '../shared/datasets');
  return fs.existsSync(dir) ? dir : null;
}

/** `it` when the real file exists, else a skipped test that says why. */
export function itWithDataset(relative: string, name: string, fn: (file: string) => Promise<void>, timeout?: number): void {
  const dir = datasetsDir();
  const file = dir ? path.join(dir, relative) : null;
  if (file && fs.existsSync(file)) it(name, () => fn(file), timeout);
  else it.skip(`${name} [skipped: ${relative} not found; set TUNEFORGE_DATASETS to the shared datasets folder]`, () => undefined);
}

/** Collects everything written to it. */
export class CollectingSink extends Writable {
  readonly chunks: string[] = [];
  _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString('utf8'));
    callback();
  }
  /** The rows written, JSONL or compact lines alike, as the JSONL objects they stand for. */
  lines(): Record<string, unknown>[] {
    return this.text().split('\n').filter(Boolean).map((l) => (isCompactLine(l) ? parseCompactLine(l) : JSON.parse(l)) as Record<string, unknown>);
  }
  text(): string {
    return this.chunks.join('');
  }
}

/** Splits `data` into chunks of `chunkSize` bytes, so parsers see arbitrary boundaries. */
export function chunked(data: string | Buffer, chunkSize = 7): Readable {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return Readable.from(chunks, { objectMode: false });
}

export async function run(
  data: string | Buffer | Readable,
  opts: Partial<IngestOptions> & Pick<IngestOptions, 'task' | 'format'>,
): Promise<{ result: IngestResult; rows: Record<string, unknown>[] }> {
  const source = data instanceof Readable ? data : chunked(data, 64 * 1024);
  const sink = new CollectingSink();
  const result = await ingest(source, sink, { maxBytes: 1 << 30, ...opts });
  return { result, rows: sink.lines() };
}

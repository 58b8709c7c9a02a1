import { PassThrough, Readable } from 'node:stream';
import zlib from 'node:zlib';
import { chunked, CollectingSink, run } from './test-support';
import { ingest, IngestOptionsError, validateIngestOptions } from './ingest';

const REC = { task: 'RECOMMENDATION', format: 'CSV' } as const;

describe('ingest fatal errors', () => {
  it('rejects a binary file named .csv (BINARY)', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.alloc(20000, 7)]);
    const { result, rows } = await run(png, REC);
    expect(result.fatal?.code).toBe('BINARY');
    expect(result.ok).toBe(false);
    expect(rows).toEqual([]);
  });

  it('rejects a truncated gzip (BAD_GZIP), and gunzips a whole one found by its magic bytes', async () => {
    const gz = zlib.gzipSync(Buffer.from('user,item,rating\n' + '1,2,3\n'.repeat(5000)));
    const truncated = await run(chunked(gz.subarray(0, gz.length - 20), 100), REC);
    expect(truncated.result.fatal?.code).toBe('BAD_GZIP');
    const whole = await run(chunked(gz, 100), REC);
    expect(whole.result.ok).toBe(true);
    expect(whole.result.rowCount).toBe(5000);
    expect(whole.result.byteSize).toBe(gz.length);
    const forced = await run('user,item,rating\n1,2,3\n', { ...REC, gzip: true });
    expect(forced.result.fatal?.code).toBe('BAD_GZIP');
  });

  it('stops reading as soon as more than maxBytes arrive (TOO_LARGE), without destroying the source', async () => {
    let pulled = 0;
    const source = new Readable({
      read() {
        pulled++;
        this.push(Buffer.from('1,2,3\n'.repeat(1000)));
      },
    });
    const { result } = await run(source, { ...REC, maxBytes: 50_000 });
    expect(result.fatal?.code).toBe('TOO_LARGE');
    expect(result.byteSize).toBeGreaterThan(50_000);
    expect(result.byteSize).toBeLessThan(50_000 + 6000 * 3);
    const pulledAtEnd = pulled;
    await new Promise((r) => setTimeout(r, 20));
    expect(pulled - pulledAtEnd).toBeLessThanOrEqual(1);
    expect(source.destroyed).toBe(false);
    source.destroy();
  });

  it('reports empty input (EMPTY), a header with no rows, and blank lines only', async () => {
    expect((await run('', REC)).result.fatal?.code).toBe('EMPTY');
    expect((await run('userId,itemId,rating\n', REC)).result.fatal).toEqual({ code: 'EMPTY', message: 'the file has a header row but no data rows' });
    expect((await run('\n\n\r\n', REC)).result.fatal?.code).toBe('EMPTY');
    expect((await run('', { task: 'SUMMARIZATION', format: 'JSONL' })).result.fatal?.code).toBe('EMPTY');
  });

  it('reports a source that errors half way (client disconnect) as ABORTED', async () => {
    const source = new PassThrough();
    const done = run(source, REC);
    source.write('user,item,rating\n' + '1,2,3\n'.repeat(1000));
    setTimeout(() => source.destroy(new Error('socket hang up')), 10);
    const { result } = await done;
    expect(result.fatal).toEqual({ code: 'ABORTED', message: 'the upload failed before it was complete (socket hang up)' });
    expect(result.ok).toBe(false);
  });

  it('reports a source closed without an end, and a caller abort signal, as ABORTED', async () => {
    const source = new PassThrough();
    const done = run(source, REC);
    source.write('1,2,3\n');
    setTimeout(() => source.destroy(), 10);
    expect((await done).result.fatal?.code).toBe('ABORTED');
    const controller = new AbortController();
    const slow = new PassThrough();
    const aborted = run(slow, { ...REC, signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    expect((await aborted).result.fatal).toEqual({ code: 'ABORTED', message: 'the upload was cancelled' });
  });

  it('rejects invalid options before reading (IngestOptionsError), and validateIngestOptions lists them', async () => {
    const opts = { ...REC, maxBytes: 10, splits: { train: 0.5, validation: 0.1, test: 0.1 }, columns: { nope: 'x' }, delimiter: ';;' };
    expect(validateIngestOptions(opts)).toEqual([
      'delimiter must be a single character other than a quote or a line break',
      'splits must sum to 1',
      'columns.nope is not a field of RECOMMENDATION (userId, itemId, rating, timestamp)',
    ]);
    await expect(ingest(Readable.from([]), new CollectingSink(), opts)).rejects.toBeInstanceOf(IngestOptionsError);
  });
});

describe('ingest row errors', () => {
  it('reports invalid UTF-8 as a row error naming the line, never a crash; literal U+FFFD is content', async () => {
    const bytes = Buffer.concat([Buffer.from('text,label\nok \uFFFD fine,a\nbad '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(' byte,b\nalso ok,c\n')]);
    const { result, rows } = await run(chunked(bytes, 3), { task: 'CLASSIFICATION', format: 'CSV' });
    expect(rows.map((r) => r.text)).toEqual(['ok \uFFFD fine', 'also ok']);
    expect(result.errors).toEqual([{ line: 3, field: 'text', code: 'INVALID_UTF8', message: expect.stringMatching(/^line 3: invalid UTF-8/) }]);
    const jsonl = Buffer.concat([Buffer.from('{"text":"x'), Buffer.from([0xe2, 0x82]), Buffer.from('","label":"a"}\n')]);
    expect((await run(jsonl, { task: 'CLASSIFICATION', format: 'JSONL' })).result.errors[0]).toMatchObject({ line: 1, code: 'INVALID_UTF8' });
  });

  it('reports a 1 MB single field (FIELD_TOO_LARGE) and keeps going, in CSV and JSONL', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    const csv = await run(`text,label\n"${big}",a\nsmall,b\n`, { task: 'CLASSIFICATION', format: 'CSV' });
    expect(csv.result.errors).toEqual([{ line: 2, field: 'text', code: 'FIELD_TOO_LARGE', message: expect.any(String) }]);
    expect(csv.result.rowCount).toBe(1);
    const multiByte = 'é'.repeat(600_000); // 1.2 MB in UTF-8 though only 600k characters
    const jsonl = await run(`{"text":"${multiByte}","label":"a"}\n{"text":"t","label":"b"}\n`, { task: 'CLASSIFICATION', format: 'JSONL' });
    expect(jsonl.result.errors).toEqual([{ line: 1, field: 'text', code: 'FIELD_TOO_LARGE', message: 'line 1: text is larger than 1 MB' }]);
    expect(jsonl.result.rowCount).toBe(1);
  });
});

describe('splits', () => {
  it('assigns splits deterministically from (seed, line): same file and seed, same splits; another seed differs', async () => {
    const csv = 'user,item,rating\n' + Array.from({ length: 5000 }, (_, i) => `${i % 97},${i % 89},${1 + (i % 5)}`).join('\n');
    const a = await run(chunked(csv, 777), { ...REC, seed: 7 });
    const b = await run(chunked(csv, 64), { ...REC, seed: 7 });
    const c = await run(csv, { ...REC, seed: 8 });
    expect(a.rows.map((r) => r.split)).toEqual(b.rows.map((r) => r.split));
    expect(a.result.splitCounts).toEqual(b.result.splitCounts);
    expect(c.rows.map((r) => r.split)).not.toEqual(a.rows.map((r) => r.split));
    const { train, validation, test } = a.result.splitCounts;
    expect(train + validation + test).toBe(5000);
    expect(train / 5000).toBeCloseTo(0.8, 1);
    expect(validation / 5000).toBeCloseTo(0.1, 1);
    const custom = await run(csv, { ...REC, splits: { train: 0.5, validation: 0, test: 0.5 } });
    expect(custom.result.splitCounts.validation).toBe(0);
    expect(custom.result.splitCounts.train / 5000).toBeCloseTo(0.5, 1);
  });
});

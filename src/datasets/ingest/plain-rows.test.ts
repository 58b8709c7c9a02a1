import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ingest } from './ingest';
import { OutputBuffer } from './output-buffer';
import { PlainRowReader, Scan } from './plain-rows';
import { FixedSplit, SplitAssigner, type SplitSource } from './split';
import { RecommendationCollector } from './task-stats';
import { chunked, CollectingSink } from './test-support';
import type { IngestOptions } from './types';

const REC = { task: 'RECOMMENDATION', format: 'CSV', maxBytes: 1 << 30, compactRows: true, previewRows: 0 } as const;

function reader(split: SplitSource = new SplitAssigner(42, { train: 0.8, validation: 0.1, test: 0.1 }), hasTimestamp = true) {
  const stats = new RecommendationCollector(1_000_000);
  const written: Buffer[] = [];
  const out = new OutputBuffer((chunk) => void written.push(Buffer.from(chunk)));
  const plain = new PlainRowReader({ delimiter: ',', hasTimestamp }, split.cuts(), { min: 0, max: 5 }, stats);
  const text = () => { out.flush(); return Buffer.concat(written).toString(); };
  return { stats, out, plain, text };
}

/** Ingests with the WebAssembly reader and without it; both must give the same bytes and result. */
async function same(data: string | Buffer, opts: Partial<IngestOptions> = {}, chunkSize = 64 * 1024) {
  const runs = [];
  for (const plainRowReader of [true, false]) {
    const sink = new CollectingSink();
    const result = await ingest(chunked(data, chunkSize), sink, { ...REC, ...opts, plainRowReader });
    runs.push({ result, text: sink.text() });
  }
  expect(runs[0].text).toBe(runs[1].text);
  expect(runs[0].result).toEqual(runs[1].result);
  return runs[0];
}

describe('PlainRowReader (WebAssembly)', () => {
  it('is the build of plain-rows.as.ts', () => {
    const run = spawnSync(process.execPath, [path.join(__dirname, 'wasm/build.mjs'), '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('stops at a rating the histogram has not counted, then takes rows with it, writing compact lines with the seeded split', () => {
    const { stats, out, plain, text } = reader(new FixedSplit('validation'));
    const buf = Buffer.from('196,242,3,881250949\n186,302,3,891717742\r\n22,377,3.5,878887116\n');
    expect(plain.take(buf, 0, buf.length, 2, out)).toBe(false);
    expect([plain.pos, plain.line, plain.newRating]).toEqual([0, 2, 3]);
    stats.addInts(196, 242, 3, true); // what the JavaScript path does with that row
    expect(plain.take(buf, 20, buf.length, 3, out)).toBe(false); // settles 3 (counted), takes a row, stops at 3.5
    expect([plain.pos, plain.line, plain.newRating]).toEqual([41, 4, 3.5]);
    expect(text()).toBe('1,186,302,3,891717742\n');
    expect(plain.finish()).toEqual({ rows: 1, splitCounts: [0, 1, 0] });
    expect(plain.finish()).toBeNull();
    expect(plain.active).toBe(false);
    expect(stats.result()).toMatchObject({ users: 2, items: 2, ratingMin: 3, ratingMax: 3, ratingMean: 3, ratingHistogram: { 3: 2 }, rowsWithTimestamp: 2 });
  });

  it('forgets a new rating the collector did not count, and hands rows it does not take to the caller', () => {
    const { out, plain } = reader(undefined, false);
    const buf = Buffer.from('1,2,4\n1,2,4\n');
    expect(plain.scan(buf, 0, buf.length, 1, out)).toBe(Scan.NEW_RATING);
    plain.settleNewRating(); // not counted (say the row was refused): ask again next time
    expect(plain.scan(buf, 0, buf.length, 1, out)).toBe(Scan.NEW_RATING);
    for (const row of ['01,2,4\n', '1,2,4.0\n', '1,2,6\n', '1,2,4,5\n', '1,-2,4\n', '123456789,2,4\n', '1,2,4\r\r\n', '1,2,4.55\n', 'a,2,4\n']) {
      const b = Buffer.from(row);
      expect([row, plain.scan(b, 0, b.length, 1, out)]).toEqual([row, Scan.GENERAL]);
    }
  });

  it('assigns the same splits as SplitAssigner for every line number it is given', () => {
    const split = new SplitAssigner(-123456789012, { train: 0.5, validation: 0.25, test: 0.25 });
    const { stats, out, plain, text } = reader(split);
    stats.addInts(1, 1, 4, true);
    const lines = Array.from({ length: 5000 }, (_, k) => `${k},${k % 97},4,${1000 + k}\n`).join('');
    const buf = Buffer.from(lines);
    const first = 2 ** 31 - 2000; // line numbers past 2^31 wrap as in Math.imul
    expect(plain.take(buf, 0, buf.length, first, out)).toBe(false); // 4 is new to the reader
    expect(plain.take(buf, 0, buf.length, first, out)).toBe(true);
    expect(plain.line).toBe(first + 5000);
    const digits = text().split('\n').filter(Boolean).map((l) => Number(l[0]));
    expect(digits).toEqual(Array.from({ length: 5000 }, (_, k) => split.assignIndex(first + k)));
  });
});

/** A row near the limits of what the reader takes (8-digit ids, 4-digit ratings, 15-digit timestamps, `.5`) or just past them. */
function edgeRow(r: () => number, d: string, withTimestamp: boolean): string {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const digits = (n: number) => (n === 0 ? '' : String(1 + Math.floor(r() * 9)) + Array.from({ length: n - 1 }, () => Math.floor(r() * 10)).join(''));
  const id = () => pick([digits(1), digits(2), digits(7), digits(8), '67108863', '67108864', '99999999', digits(9), '0', '00', '07', '', 'x1', '1 ']);
  const rating = () => pick(['1', '5', '0', '0.5', '4.5', '1023.5', '1023', '1024', '999.5', '01', '4.0', '4.', '.5', '4.50', '4.55', '3.7', '-1', '+2', '10000']);
  const ts = () => pick([digits(1), digits(9), digits(10), digits(15), digits(16), '0', '012', '', '1.5', 'x']);
  const cells = [id(), id(), rating(), ...(withTimestamp ? [ts()] : [])];
  if (r() < 0.03) cells.push('9');
  if (r() < 0.03) cells.pop();
  return cells.join(d) + pick(['\n', '\n', '\n', '\r\n', '\r\r\n']);
}

describe('ingest with the WebAssembly reader', () => {
  it('gives the bytes and result of the JavaScript path for 200 random files of rows at the limits', async () => {
    let seed = 11;
    const r = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const before = PlainRowReader.totalRows;
    for (let k = 0; k < 200; k++) {
      const d = r() < 0.5 ? ',' : '\t';
      const withTimestamp = r() < 0.7;
      const plainShare = r();
      const rows = Array.from({ length: 50 + Math.floor(r() * 200) }, () => (r() < plainShare ? `${1 + Math.floor(r() * 999)}${d}${1 + Math.floor(r() * 99)}${d}${1 + Math.floor(r() * 5)}${withTimestamp ? `${d}${Math.floor(r() * 1e10)}` : ''}\n` : edgeRow(r, d, withTimestamp)));
      const columns: Record<string, string> = withTimestamp ? { userId: '0', itemId: '1', rating: '2', timestamp: '3' } : { userId: '0', itemId: '1', rating: '2' };
      await same(rows.join(''), { format: d === ',' ? 'CSV' : 'TSV', hasHeader: false, columns, ratingRange: { min: 0, max: 2000 }, seed: k }, 1 + Math.floor(r() * 300));
    }
    expect(PlainRowReader.totalRows - before).toBeGreaterThan(10_000);
  });

  const row = (k: number, rating: string) => `${1 + (k * 7919) % 5000},${1 + (k * 104729) % 3000},${rating},${900000000 + k}`;

  it('gives the bytes and result of the JavaScript path on a 3 MB upload in one chunk and in odd chunks (windows and batches cut rows)', async () => {
    const ratings = ['1', '2', '3', '4', '5', '0.5', '2.5', '4.5'];
    const text = `userId,movieId,rating,timestamp\n${Array.from({ length: 150_000 }, (_, k) => row(k, ratings[k % 8])).join('\n')}\n`;
    expect(text.length).toBeGreaterThan(3 << 20);
    const before = PlainRowReader.totalRows;
    const one = await same(text, {}, text.length);
    expect(one.result).toMatchObject({ ok: true, rowCount: 150_000 });
    expect(PlainRowReader.totalRows - before).toBeGreaterThan(149_000); // all but the rows with a new rating
    await same(text, { previewRows: 5, seed: 9 }, 65_537);
  });

  it('writes the same bytes into a file stream, which gets its output batches back for reuse', async () => {
    const text = Array.from({ length: 200_000 }, (_, k) => row(k, String(1 + (k % 5)))).join('\n');
    const { text: expected } = await same(text, {});
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plain-rows-')), 'blob');
    const sink = fs.createWriteStream(file, { highWaterMark: 8 << 20 }); // as the blob store's: several batches queued
    const written: number[] = [];
    const write = sink.write.bind(sink);
    // Every batch is handed over with a release callback, so batches are refilled only after the file has them.
    sink.write = ((chunk: Buffer, callback?: () => void) => { written.push(typeof callback === 'function' ? 1 : 0); return write(chunk, callback); }) as typeof sink.write;
    const result = await ingest(chunked(text, 65_536), sink, { ...REC });
    expect(result.ok).toBe(true);
    const got = fs.readFileSync(file, 'utf8');
    expect(got.length).toBe(expected.length);
    expect(got === expected).toBe(true); // (not toBe: a diff of two 3 MB strings takes minutes)
    expect(written.length).toBeGreaterThan(3);
    expect(written.every((w) => w === 1)).toBe(true);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('stops taking rows once the rating histogram samples (past 1000 distinct ratings), with the same result', async () => {
    const text = Array.from({ length: 6000 }, (_, k) => row(k, String((k % 2001) / 2))).join('\n');
    const { result } = await same(text, { ratingRange: { min: 0, max: 1000 } });
    expect(result).toMatchObject({ ok: true, rowCount: 6000, stats: { histogramApproximate: false } });
    expect(Object.keys((result.stats as { ratingHistogram: object }).ratingHistogram)).toHaveLength(10);
  });

  it('gives the same result when it takes no row (every rating written `4.0`) and around rows with errors', async () => {
    await same(Array.from({ length: 2000 }, (_, k) => row(k, '4.0')).join('\n'));
    const withErrors = Array.from({ length: 3000 }, (_, k) => row(k, k % 500 === 7 ? 'x' : k % 300 === 3 ? '4.0' : String(1 + (k % 5)))).join('\r\n');
    const { result } = await same(withErrors, {}, 4096);
    expect(result).toMatchObject({ ok: false, errorCount: 6 });
  });
});

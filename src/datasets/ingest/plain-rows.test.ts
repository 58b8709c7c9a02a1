import { spawnSync } from 'node:child_process';
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
  const plain = new PlainRowReader({ delimiter: ',', hasTimestamp }, split.cuts(), { min: 0, max: 5 });
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
    expect(plain.take(buf, 0, buf.length, 2, out)).toBe(Scan.NEW_RATING);
    expect([plain.pos, plain.line, plain.newRating]).toEqual([0, 2, 3]);
    stats.addInts(196, 242, 3, true); // what the JavaScript path does with that row
    plain.settleNewRating(stats);
    expect(plain.take(buf, 20, buf.length, 3, out)).toBe(Scan.NEW_RATING);
    expect([plain.pos, plain.line, plain.newRating]).toEqual([41, 4, 3.5]);
    expect(text()).toBe('1,186,302,3,891717742\n');
    const counts = [0, 0, 0];
    expect(plain.flush(stats, counts)).toBe(1);
    expect(counts).toEqual([0, 1, 0]);
    plain.finish(stats);
    expect(stats.result()).toMatchObject({ users: 2, items: 2, ratingMin: 3, ratingMax: 3, ratingMean: 3, ratingHistogram: { 3: 2 }, rowsWithTimestamp: 2 });
  });

  it('forgets a new rating the collector did not count, and hands rows it does not take to the caller', () => {
    const { stats, out, plain } = reader(undefined, false);
    const buf = Buffer.from('1,2,4\n1,2,4\n');
    expect(plain.take(buf, 0, buf.length, 1, out)).toBe(Scan.NEW_RATING);
    plain.settleNewRating(stats); // not counted (say the row was refused): ask again next time
    expect(plain.take(buf, 0, buf.length, 1, out)).toBe(Scan.NEW_RATING);
    for (const row of ['01,2,4\n', '1,2,4.0\n', '1,2,6\n', '1,2,4,5\n', '1,-2,4\n', '123456789,2,4\n', '1,2,4\r\r\n', '1,2,4.55\n', 'a,2,4\n']) {
      const b = Buffer.from(row);
      expect([row, plain.take(b, 0, b.length, 1, out)]).toEqual([row, Scan.GENERAL]);
    }
  });

  it('assigns the same splits as SplitAssigner for every line number it is given', () => {
    const split = new SplitAssigner(-123456789012, { train: 0.5, validation: 0.25, test: 0.25 });
    const { stats, out, plain, text } = reader(split);
    stats.addInts(1, 1, 4, true);
    const lines = Array.from({ length: 5000 }, (_, k) => `${k},${k % 97},4,${1000 + k}\n`).join('');
    const buf = Buffer.from(lines);
    const first = 2 ** 31 - 2000; // line numbers past 2^31 wrap as in Math.imul
    expect(plain.take(buf, 0, buf.length, first, out)).toBe(Scan.NEW_RATING);
    plain.settleNewRating(stats);
    expect(plain.take(buf, 0, buf.length, first, out)).toBe(Scan.END);
    expect(plain.line).toBe(first + 5000);
    const digits = text().split('\n').filter(Boolean).map((l) => Number(l[0]));
    expect(digits).toEqual(Array.from({ length: 5000 }, (_, k) => split.assignIndex(first + k)));
  });
});

describe('ingest with the WebAssembly reader', () => {
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

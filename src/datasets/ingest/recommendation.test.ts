import fs from 'node:fs';
import { chunked, CollectingSink, itWithDataset, run } from './test-support';
import { ingest } from './ingest';
import type { RecommendationStats } from './types';

const REC = { task: 'RECOMMENDATION', format: 'CSV' } as const;

describe('recommendation ingest', () => {
  itWithDataset('movielens-100k/u.data', 'loads MovieLens u.data (tab, no header) as-is: 100,000 rows, 943 users, 1,682 items, ratings 1–5', async (file) => {
    const sink = new CollectingSink();
    const result = await ingest(fs.createReadStream(file), sink, { task: 'RECOMMENDATION', format: 'TSV', maxBytes: 10 << 20 });
    expect(result.fatal).toBeNull();
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.hasHeader).toBe(false);
    expect(result.rowCount).toBe(100_000);
    expect(result.byteSize).toBe(fs.statSync(file).size);
    expect(result.columnMapping).toEqual({ userId: '0', itemId: '1', rating: '2', timestamp: '3' });
    const stats = result.stats as RecommendationStats;
    expect(stats).toMatchObject({ task: 'RECOMMENDATION', users: 943, items: 1682, countsApproximate: false, ratingMin: 1, ratingMax: 5, rowsWithTimestamp: 100_000 });
    expect(Object.keys(stats.ratingHistogram)).toEqual(['1', '2', '3', '4', '5']);
    expect(Object.values(stats.ratingHistogram).reduce((a, b) => a + b, 0)).toBe(100_000);
    expect(stats.ratingMean).toBeCloseTo(3.52986, 4);
    expect(stats.sparsity).toBeCloseTo(1 - 100_000 / (943 * 1682), 10);
    expect(result.splitCounts.train + result.splitCounts.validation + result.splitCounts.test).toBe(100_000);
    expect(result.splitCounts.train / 100_000).toBeCloseTo(0.8, 2);
    const first = sink.lines()[0];
    expect(first).toEqual({ split: expect.any(String), userId: '196', itemId: '242', rating: 3, timestamp: 881250949 });
    expect(result.preview).toHaveLength(20);
  });

  it('loads the ml-latest ratings.csv form (header userId,movieId,rating,timestamp) as-is', async () => {
    const csv = 'userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,3,4.0,964981247\r\n2,6,0.5,964982224\r\n';
    const { result, rows } = await run(chunked(csv, 5), REC);
    expect(result.ok).toBe(true);
    expect(result.hasHeader).toBe(true);
    expect(result.columnMapping).toEqual({ userId: 'userId', itemId: 'movieId', rating: 'rating', timestamp: 'timestamp' });
    expect(rows.map(({ split, ...r }) => r)).toEqual([
      { userId: '1', itemId: '1', rating: 4, timestamp: 964982703 },
      { userId: '1', itemId: '3', rating: 4, timestamp: 964981247 },
      { userId: '2', itemId: '6', rating: 0.5, timestamp: 964982224 },
    ]);
    expect(result.stats).toMatchObject({ users: 2, items: 3, ratingMin: 0.5, ratingMax: 4, ratingHistogram: { '0.5': 1, '4': 2 } });
  });

  it('maps columns explicitly by header name or by index, in any order', async () => {
    const csv = 'ts;stars;movie;person\n10;5;m1;u1\n11;3;m2;u2\n';
    const byName = await run(csv, { ...REC, delimiter: ';', columns: { userId: 'person', itemId: 'movie', rating: 'stars' } });
    expect(byName.result.ok).toBe(true);
    expect(byName.result.columnMapping).toEqual({ userId: 'person', itemId: 'movie', rating: 'stars', timestamp: 'ts' });
    expect(byName.rows[0]).toMatchObject({ userId: 'u1', itemId: 'm1', rating: 5, timestamp: 10 });
    const byIndex = await run('10;5;m1;u1\n', { ...REC, delimiter: ';', columns: { userId: '3', itemId: '2', rating: '1' } });
    expect(byIndex.result.hasHeader).toBe(false);
    expect(byIndex.result.columnMapping).toEqual({ userId: '3', itemId: '2', rating: '1' });
    expect(byIndex.rows[0]).toEqual({ split: expect.any(String), userId: 'u1', itemId: 'm1', rating: 5 });
  });

  it('accepts header aliases (user_id, item_id, score, time) and detects no header in numeric files', async () => {
    const { result } = await run('user_id,product_id,score\na,b,1\n', REC);
    expect(result.columnMapping).toEqual({ userId: 'user_id', itemId: 'product_id', rating: 'score' });
    const noHeader = await run('1,2,3\n', REC);
    expect(noHeader.result.hasHeader).toBe(false);
    expect(noHeader.result.rowCount).toBe(1);
  });

  it('rejects a header that lacks a required column (BAD_HEADER)', async () => {
    const { result } = await run('user,item,when\n1,2,3\n', REC);
    expect(result.fatal?.code).toBe('BAD_HEADER');
    expect(result.fatal?.message).toMatch(/rating/);
    expect(result.ok).toBe(false);
    const missing = await run('user,item,rating\n1,2,3\n', { ...REC, columns: { rating: 'stars' } });
    expect(missing.result.fatal?.code).toBe('BAD_HEADER');
    expect(missing.result.fatal?.message).toMatch(/stars/);
  });

  it('rejects a CSV row with a non-numeric rating and names the line', async () => {
    const { result, rows } = await run('user,item,rating\n1,2,4\n1,3,great\n1,4,NaN\n1,5,Infinity\n1,6,1e400\n2,2,-3\n', REC);
    expect(result.ok).toBe(false);
    expect(result.rowCount).toBe(2); // negative ratings are allowed
    expect(rows.map((r) => r.rating)).toEqual([4, -3]);
    expect(result.errorCount).toBe(4);
    expect(result.errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [3, 'rating', 'INVALID_RATING'], [4, 'rating', 'INVALID_RATING'], [5, 'rating', 'INVALID_RATING'], [6, 'rating', 'INVALID_RATING'],
    ]);
    expect(result.errors[0].message).toBe('line 3: rating "great" is not a finite number');
  });

  it('rejects an out-of-range rating, by the default bounds or a configured range', async () => {
    const { result } = await run('u,i,r\n1,2,1e12\n', { ...REC, columns: { userId: '0', itemId: '1', rating: '2' }, hasHeader: true });
    expect(result.errors).toEqual([{ line: 2, field: 'rating', code: 'RATING_OUT_OF_RANGE', message: 'line 2: rating 1000000000000 is outside [-1000000000, 1000000000]' }]);
    const ranged = await run('1,2,6\n1,3,5\n', { ...REC, ratingRange: { min: 1, max: 5 } });
    expect(ranged.result.errors.map((e) => [e.line, e.code])).toEqual([[1, 'RATING_OUT_OF_RANGE']]);
    expect(ranged.result.rowCount).toBe(1);
  });

  it('reports a wrong column count on line N and keeps going', async () => {
    const { result } = await run('userId,itemId,rating\n1,2,3\n1,2\n1,2,3,4\n\n3,4,5\n', REC);
    expect(result.rowCount).toBe(2);
    expect(result.errors).toEqual([
      { line: 3, field: null, code: 'WRONG_COLUMN_COUNT', message: 'line 3: expected 3 columns, found 2' },
      { line: 4, field: null, code: 'WRONG_COLUMN_COUNT', message: 'line 4: expected 3 columns, found 4' },
    ]);
  });

  it('reports empty ids and a bad timestamp; accepts ISO dates as timestamps', async () => {
    const { result, rows } = await run('user,item,rating,time\n,2,3,1\n1, ,3,1\n1,2,3,yesterday\n1,2,3,2020-01-01T00:00:00Z\n1,2,3,\n', REC);
    expect(result.errors.map((e) => [e.line, e.field, e.code])).toEqual([[2, 'userId', 'EMPTY_FIELD'], [3, 'itemId', 'EMPTY_FIELD'], [4, 'timestamp', 'INVALID_TIMESTAMP']]);
    expect(rows.map((r) => r.timestamp)).toEqual([1577836800, undefined]);
  });

  it('keeps the first maxErrors errors and counts the rest', async () => {
    const bad = 'u,i,r\n' + Array.from({ length: 250 }, (_, i) => `${i},x,bad`).join('\n');
    const { result } = await run(bad, { ...REC, hasHeader: true, columns: { userId: '0', itemId: '1', rating: '2' }, maxErrors: 100 });
    expect(result.errors).toHaveLength(100);
    expect(result.errorCount).toBe(250);
    expect(result.ok).toBe(false);
  });
});

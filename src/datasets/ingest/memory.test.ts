import { Writable } from 'node:stream';
import { ingest } from './ingest';
import { syntheticRatings } from './synthetic';
import type { RecommendationStats } from './types';

/** A sink that discards bytes but, like a disk, is asynchronous and has backpressure. */
function discardingSink(): Writable & { bytes: () => number } {
  let bytes = 0;
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      setImmediate(callback);
    },
  });
  return Object.assign(sink, { bytes: () => bytes });
}

describe('ingest memory', () => {
  it('streams a generated 200 MB (TUNEFORGE_INGEST_TEST_MB) ratings CSV in constant memory (RSS growth < 100 MB) with exact results', async () => {
    const size = Number(process.env.TUNEFORGE_INGEST_TEST_MB ?? 200) * 1000 * 1000;
    const source = syntheticRatings({ bytes: size, users: 50_000, items: 10_000, seed: 3 });
    const sink = discardingSink();
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 25);
    const started = performance.now();
    const result = await ingest(source, sink, { task: 'RECOMMENDATION', format: 'CSV', maxBytes: 1 << 30 });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    const growthMb = (peak - before) / 1e6;
    // eslint-disable-next-line no-console
    console.log(`ingest 200 MB synthetic: ${(result.byteSize / 1e6 / seconds).toFixed(1)} MB/s, ${seconds.toFixed(1)} s, RSS growth ${growthMb.toFixed(0)} MB, output ${(sink.bytes() / 1e6).toFixed(0)} MB`);
    expect(result.fatal).toBeNull();
    expect(result.ok).toBe(true);
    expect(result.byteSize).toBeGreaterThanOrEqual(size);
    expect(result.rowCount).toBe(source.rows());
    const stats = result.stats as RecommendationStats;
    expect(stats.users).toBe(50_000);
    expect(stats.items).toBe(10_000);
    expect(stats.ratingMin).toBe(0.5);
    expect(stats.ratingMax).toBe(5);
    expect(Object.keys(stats.ratingHistogram)).toHaveLength(10);
    expect(growthMb).toBeLessThan(100);
  }, 240_000);
});

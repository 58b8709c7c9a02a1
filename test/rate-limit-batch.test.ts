import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource } from '../src/db/data-source';
import { Database, TenantTransaction } from '../src/db/database';
import { RateLimiter } from '../src/server/rate-limit';

// A small pool, so transactions and takes share connections as they do under load.
let ds: DataSource;
let admin: Client;
beforeAll(async () => {
  ds = await createDataSource(process.env.TUNEFORGE_TEST_DATABASE_URL!, 3).initialize();
  admin = new Client({ connectionString: process.env.TUNEFORGE_TEST_DATABASE_URL });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await ds.destroy();
});

const limits = { query: { capacity: 10, restoreRate: 0.001 }, inference: { capacity: 5, restoreRate: 0.001 } };
const bucket = async (key: string) => (await admin.query(`SELECT available FROM rate_limit_buckets WHERE key = $1`, [key])).rows[0]?.available;

describe('RateLimiter (group-committed takes)', () => {
  it('concurrent takes of one bucket decide in arrival order, as one statement each would, in fewer statements', async () => {
    const limiter = new RateLimiter(new Database(ds), limits);
    const key = `tenant:${randomUUID()}`;
    const pool = (ds.driver as unknown as { master: { query: (...args: unknown[]) => unknown } }).master;
    const original = pool.query;
    let statements = 0;
    pool.query = function (this: unknown, ...args: unknown[]) {
      if (String((args[0] as { text?: string })?.text).includes('tf_take_bucket_batch')) statements++;
      return original.apply(this, args);
    };
    const results = await Promise.all(Array.from({ length: 6 }, () => limiter.takeAll([{ kind: 'query', key, cost: 3 }]))).finally(() => (pool.query = original));
    // 10 points, 3 each: three fit, in the order the requests came; the rest are refused with the time to wait.
    expect(results.map((r) => r.admissions[0].allowed)).toEqual([true, true, true, false, false, false]);
    expect(results.map((r) => r.admissions[0].status.currentlyAvailable)).toEqual([7, 4, 1, 1, 1, 1]);
    expect(results[3].admissions[0].retryAfterMs).toBeGreaterThan(1000);
    expect(await bucket(key)).toBeCloseTo(1, 3);
    // The first request went alone; the five that came while it was in flight went together.
    expect(statements).toBe(2);
  });

  it('each bucket of a request decides on its own; a non-member in the same batch takes nothing and gets no role', async () => {
    const limiter = new RateLimiter(new Database(ds), limits);
    const key = `tenant:${randomUUID()}`;
    const stranger = { userId: randomUUID(), tenantId: randomUUID() };
    const [both, refused, inferenceOnly] = await Promise.all([
      limiter.takeAll([{ kind: 'query', key, cost: 4 }, { kind: 'inference', key: `${key}:inf`, cost: 2 }]),
      limiter.takeAll([{ kind: 'query', key, cost: 4 }], stranger),
      limiter.takeAll([{ kind: 'query', key, cost: 9 }, { kind: 'inference', key: `${key}:inf`, cost: 2 }]),
    ]);
    expect(both.admissions.map((a) => [a.allowed, a.status.currentlyAvailable])).toEqual([[true, 6], [true, 3]]);
    expect(refused).toEqual({ role: null, admissions: [expect.objectContaining({ allowed: false })] });
    expect(inferenceOnly.admissions.map((a) => a.allowed)).toEqual([false, true]);
    expect(await bucket(key)).toBeCloseTo(6, 3);
    expect(await bucket(`${key}:inf`)).toBeCloseTo(1, 3);
  });

  it('more requests than pool connections, each with a transaction to begin, all get through (no request holds a connection while it waits for a take)', async () => {
    const limiter = new RateLimiter(new Database(ds), limits);
    const txs = Array.from({ length: 12 }, () => new TenantTransaction(ds, { tenantId: randomUUID() }));
    const results = await Promise.all(txs.map((tx) => limiter.takeAll([{ kind: 'query', key: `tenant:${tx.scope.tenantId}`, cost: 1 }], null, tx).then(async (r) => {
      await tx.finish(true);
      return r.admissions[0].allowed;
    })));
    expect(results).toEqual(new Array(12).fill(true));
  }, 20_000);

  it("begins the request's transaction after the take; a failing take fails every request of its batch and the next batch works", async () => {
    const limiter = new RateLimiter(new Database(ds), limits);
    const tx = new TenantTransaction(ds, { tenantId: randomUUID() });
    await limiter.takeAll([{ kind: 'query', key: `tenant:${randomUUID()}`, cost: 1 }], null, tx);
    expect(tx.started).toBe(true);
    await tx.finish(true);
    const bad = { userId: 'not-a-uuid', tenantId: randomUUID() };
    await expect(limiter.takeAll([{ kind: 'query', key: `tenant:${randomUUID()}`, cost: 1 }], bad)).rejects.toThrow(/uuid/);
    const ok = await limiter.takeAll([{ kind: 'query', key: `tenant:${randomUUID()}`, cost: 1 }]);
    expect(ok.admissions[0].allowed).toBe(true);
  });
});

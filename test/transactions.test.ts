import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource } from '../src/db/data-source';
import { TenantTransaction } from '../src/db/database';
import { RateLimiter } from '../src/server/rate-limit';
import { Database } from '../src/db/database';

// One pooled connection, so every test reuses the connection the previous one gave back.
let ds: DataSource;
let admin: Client;
beforeAll(async () => {
  ds = await createDataSource(process.env.TUNEFORGE_TEST_DATABASE_URL!, 1).initialize();
  admin = new Client({ connectionString: process.env.TUNEFORGE_TEST_DATABASE_URL });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await ds.destroy();
});

const scope = () => ({ tenantId: randomUUID(), userId: null });

describe('TenantTransaction.beginAfter (the rate-limit take in the round trip that begins a request)', () => {
  it('commits the first statement on its own: its row lock is released while the transaction stays open', async () => {
    const key = `test:${randomUUID()}`;
    await admin.query(`INSERT INTO rate_limit_buckets (key, available) VALUES ($1, 10)`, [key]);
    const tx = new TenantTransaction(ds, scope());
    const rows = await tx.beginAfter<{ available: number }>(`UPDATE rate_limit_buckets SET available = available - 1 WHERE key = '${key}' RETURNING available`);
    expect(rows).toEqual([{ available: 9 }]);
    expect(tx.started).toBe(true);
    // Another session can update the same row at once (it would wait for our COMMIT if the take were in our transaction)...
    await admin.query(`SET lock_timeout = '2s'`);
    const other = await admin.query(`UPDATE rate_limit_buckets SET available = available - 1 WHERE key = $1 RETURNING available`, [key]);
    expect(other.rows).toEqual([{ available: 8 }]);
    // ...and our transaction is open, scoped to the tenant, as the row-level-security role.
    const m = await tx.manager();
    const [settings] = await m.query(`SELECT current_user AS who, current_setting('app.tenant_id') AS tenant, now() = statement_timestamp() AS fresh`);
    expect(settings).toEqual({ who: 'tuneforge_app', tenant: tx.scope.tenantId, fresh: false });
    await tx.finish(false);
    // A rollback of the request leaves the take counted.
    expect((await admin.query(`SELECT available FROM rate_limit_buckets WHERE key = $1`, [key])).rows).toEqual([{ available: 8 }]);
  });

  it('a failing first statement rejects, opens nothing, and gives the connection back clean', async () => {
    const tx = new TenantTransaction(ds, scope());
    await expect(tx.beginAfter(`SELECT 1/0`)).rejects.toThrow(/division by zero/);
    await tx.finish(false);
    // The pool's only connection is usable and outside any transaction, as the owning role.
    const [state] = await ds.query(`SELECT current_user AS who, now() = statement_timestamp() AS autocommit`);
    expect(state).toEqual({ who: expect.not.stringMatching(/^tuneforge_app$/), autocommit: true });
  });

  it('cannot begin twice', async () => {
    const tx = new TenantTransaction(ds, scope());
    await tx.manager();
    await expect(tx.beginAfter('SELECT 1')).rejects.toThrow(/already started/);
    await tx.finish(true);
  });
});

describe('RateLimiter.takeAll', () => {
  const limits = { query: { capacity: 10, restoreRate: 0.001 }, inference: { capacity: 5, restoreRate: 0.001 } };

  it('gives the same answers inline (beginning a transaction) as on the pool, and never takes for a non-member', async () => {
    const limiter = new RateLimiter(new Database(ds), limits);
    const key = `tenant:${randomUUID()}`;
    const takes = [{ kind: 'query' as const, key, cost: 4 }, { kind: 'inference' as const, key: `${key}:inf`, cost: 2 }];
    const pooled = await limiter.takeAll(takes);
    expect(pooled.admissions.map((a) => [a.allowed, a.status.currentlyAvailable])).toEqual([[true, 6], [true, 3]]);
    const tx = new TenantTransaction(ds, scope());
    const inline = await limiter.takeAll(takes, null, tx);
    expect(inline.admissions.map((a) => [a.allowed, a.status.currentlyAvailable])).toEqual([[true, 2], [true, 1]]);
    expect(tx.started).toBe(true);
    await tx.finish(true);
    const refusedTx = new TenantTransaction(ds, scope());
    const refused = await limiter.takeAll(takes, null, refusedTx);
    await refusedTx.finish(false);
    expect(refused.admissions.map((a) => a.allowed)).toEqual([false, false]);
    expect(refused.admissions[0].retryAfterMs).toBeGreaterThan(0);

    // A user who is not a member of the tenant: no role, nothing allowed, the buckets untouched.
    const stranger = { userId: randomUUID(), tenantId: randomUUID() };
    const strangerTx = new TenantTransaction(ds, { tenantId: stranger.tenantId, userId: stranger.userId });
    const before = await admin.query(`SELECT key, available FROM rate_limit_buckets WHERE key LIKE $1 ORDER BY key`, [`${key}%`]);
    const none = await limiter.takeAll(takes, stranger, strangerTx);
    await strangerTx.finish(false);
    expect(none.role).toBeNull();
    expect(none.admissions.map((a) => a.allowed)).toEqual([false, false]);
    expect((await admin.query(`SELECT key, available FROM rate_limit_buckets WHERE key LIKE $1 ORDER BY key`, [`${key}%`])).rows).toEqual(before.rows);
  });

  it('inlines keys safely: a quote or backslash in a key is data, not SQL', async () => {
    const limiter = new RateLimiter(new Database(ds), limits);
    const key = `anon:x'); DROP TABLE rate_limit_buckets; --\\'`;
    const tx = new TenantTransaction(ds, scope());
    const res = await limiter.takeAll([{ kind: 'query', key, cost: 1 }], null, tx);
    await tx.finish(true);
    expect(res.admissions[0].allowed).toBe(true);
    expect((await admin.query(`SELECT available FROM rate_limit_buckets WHERE key = $1`, [key])).rows).toEqual([{ available: 9 }]);
  });
});

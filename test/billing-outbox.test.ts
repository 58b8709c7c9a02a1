import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { idOf } from '../src/common/global-id';
import { setupStripe } from '../src/billing/billing-setup';
import { meterEventIdentifier } from '../src/billing/meter-outbox';
import { resolvePlans } from '../src/billing/plans';
import { isolatedDatabase } from './billing-helpers';
import { FakeStripe } from './fake-stripe';
import { datasetsDir, gql, signUp, startTestApi, TestApi } from './helpers';

let fake: FakeStripe;
let t: TestApi;
let db: { url: string; drop(): Promise<void> };
const env = () => ({
  DATABASE_URL: db.url,
  STRIPE_SECRET_KEY: fake.secretKey,
  STRIPE_API_URL: fake.url,
  STRIPE_TIMEOUT_MS: '2000',
  BILLING_OUTBOX_ENABLED: 'false',
  BILLING_REPORT_LEASE_SECONDS: '4',
  BILLING_REPORT_BACKOFF_SECONDS: '0.05',
  BILLING_REPORT_CONCURRENCY: '32',
  BILLING_REPORT_MAX_PER_SECOND: '5000',
});
const tid = (u: { tenantId: string }) => idOf('Tenant', u.tenantId);
const sql = <T = any>(text: string, params: unknown[] = []): Promise<T[]> => t.api.database.dataSource.query(text, params); // eslint-disable-line @typescript-eslint/no-explicit-any

/** Runs outbox passes until every ledger row is reported (or the deadline passes). */
async function reportAll(deadlineMs = 60_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    await t.api.services.billing.outbox!.drain();
    const [{ left }] = await sql<{ left: number }>(`SELECT count(*)::int AS left FROM usage_records WHERE reported_at IS NULL AND cancel_requested_at IS NULL AND flagged_at IS NULL`);
    if (left === 0) return;
    if (Date.now() > until) throw new Error(`${left} ledger rows still unreported`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  fake = await FakeStripe.start();
  db = await isolatedDatabase();
  t = await startTestApi(env());
  await setupStripe(t.api.services.billing.account.stripe!, resolvePlans(undefined));
});
afterAll(async () => {
  await t?.stop();
  await fake?.stop();
  await db?.drop();
});

describe('billing outbox (local Stripe server)', () => {
  it('delivers 10,000 ledger rows with 0 duplicates and 0 lost while the server fails 20% of calls', async () => {
    const tenants = await Promise.all([signUp(t.url), signUp(t.url), signUp(t.url)]);
    for (const [i, tenant] of tenants.entries()) {
      await sql(
        `INSERT INTO usage_records (tenant_id, meter, quantity, idempotency_key, occurred_at)
         SELECT $1, 'training_gpu_seconds', (g % 7) + 1, 'bulk:' || $2 || ':' || g, now() - make_interval(secs => g / 100.0) FROM generate_series(1, $3) g`,
        [tid(tenant), i, i === 0 ? 3334 : 3333],
      );
    }
    const ledger = await sql<{ idempotency_key: string; quantity: number; tenant_id: string }>(`SELECT idempotency_key, quantity, tenant_id FROM usage_records`);
    expect(ledger).toHaveLength(10_000);
    fake.errorRate = 0.2;
    fake.randomKinds = ['500-before', '500-after', '429', 'drop-after'];
    const started = Date.now();
    try {
      await reportAll(200_000);
    } finally {
      fake.errorRate = 0;
    }
    const identifiers = ledger.map((r) => meterEventIdentifier(r.idempotency_key));
    // Lost: none; every accepted event is one ledger row, with its value.
    expect(fake.meterEvents.size).toBe(10_000);
    for (const [i, r] of ledger.entries()) expect(fake.meterEvents.get(identifiers[i])?.value).toBe(Number(r.quantity));
    expect(fake.total('training_gpu_seconds')).toBe(ledger.reduce((s, r) => s + Number(r.quantity), 0));
    // The faults did happen, and every resend carried the same identifier (no new identifiers appeared).
    expect(fake.meterEventRequests.length).toBeGreaterThan(11_000);
    expect(new Set(fake.meterEventRequests.map((r) => r.identifier))).toEqual(new Set(identifiers));
    const [state] = await sql(`SELECT count(*) FILTER (WHERE reported_at IS NULL)::int AS unreported, count(*) FILTER (WHERE flagged_at IS NOT NULL)::int AS flagged, max(report_attempts) AS most FROM usage_records`);
    expect(state).toMatchObject({ unreported: 0, flagged: 0 });
    expect(state.most).toBeGreaterThan(1);
    // Each customer got exactly its tenant's usage.
    for (const tenant of tenants) {
      const [{ customer }] = await sql(`SELECT stripe_customer_id AS customer FROM tenant_billing WHERE tenant_id = $1`, [tid(tenant)]);
      expect(fake.total('training_gpu_seconds', customer)).toBe(ledger.filter((r) => r.tenant_id === tid(tenant)).reduce((s, r) => s + Number(r.quantity), 0));
    }
    console.log(`10,000 rows reported through 20% errors in ${((Date.now() - started) / 1000).toFixed(1)} s (${fake.meterEventRequests.length} calls)`);
  }, 240_000);

  it('a worker killed between sending and marking: the replay carries the same identifier and Stripe dedupes it', async () => {
    const tenant = await signUp(t.url);
    await sql(`INSERT INTO usage_records (tenant_id, meter, quantity, idempotency_key) SELECT $1, 'training_gpu_seconds', g, 'kill:' || g FROM generate_series(1, 5) g`, [tid(tenant)]);
    const before = fake.meterEventRequests.length;
    // The server records each event but never answers; the reporting process is killed while it waits.
    fake.failNext(5, 'timeout-after');
    const child = spawn(process.execPath, [path.resolve(__dirname, '../dist/src/main.js'), 'billing:report'], {
      env: { ...process.env, ...env(), STRIPE_TIMEOUT_MS: '3000', LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    const killSends = () => fake.meterEventRequests.slice(before).filter((r) => r.identifier.startsWith('kill:')).length;
    for (let i = 0; i < 600 && killSends() < 5; i++) await new Promise((r) => setTimeout(r, 50));
    expect(killSends()).toBe(5);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const [{ unreported }] = await sql(`SELECT count(*)::int AS unreported FROM usage_records WHERE idempotency_key LIKE 'kill:%' AND reported_at IS NULL`);
    expect(unreported).toBe(5);
    await new Promise((r) => setTimeout(r, 4100)); // the dead worker's lease runs out
    await reportAll(60_000);
    const resent = fake.meterEventRequests.slice(before).map((r) => r.identifier);
    expect(resent.filter((id) => id.startsWith('kill:')).sort()).toEqual(['kill:1', 'kill:1', 'kill:2', 'kill:2', 'kill:3', 'kill:3', 'kill:4', 'kill:4', 'kill:5', 'kill:5']);
    expect([1, 2, 3, 4, 5].map((g) => fake.meterEvents.get(`kill:${g}`)?.value)).toEqual([1, 2, 3, 4, 5]);
  }, 90_000);

  it('two API replicas report one ledger at once: every row is sent exactly once (SKIP LOCKED claims)', async () => {
    // Two fresh replicas with a lease no stall of a busy test machine outlasts: this test is about
    // claims sharing the work, not about leases running out (the test above covers that).
    const replicas = [await startTestApi({ ...env(), BILLING_REPORT_LEASE_SECONDS: '60' }), await startTestApi({ ...env(), BILLING_REPORT_LEASE_SECONDS: '60' })];
    try {
      const tenant = await signUp(t.url);
      await sql(`INSERT INTO usage_records (tenant_id, meter, quantity, idempotency_key) SELECT $1, 'training_gpu_seconds', 1, 'pair:' || g FROM generate_series(1, 2000) g`, [tid(tenant)]);
      const before = fake.meterEventRequests.length;
      const passes = await Promise.all(replicas.map((r) => r.api.services.billing.outbox!.drain()));
      await reportAll(60_000);
      const sent = fake.meterEventRequests.slice(before).map((r) => r.identifier).filter((id) => id.startsWith('pair:'));
      expect(sent).toHaveLength(2000);
      expect(new Set(sent).size).toBe(2000);
      expect(passes[0].reported + passes[1].reported).toBe(2000);
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
    }
  }, 120_000);

  it('flags rows older than Stripe accepts instead of dropping them, and cancels a reported row with an adjustment', async () => {
    const tenant = await signUp(t.url);
    await sql(`INSERT INTO usage_records (tenant_id, meter, quantity, idempotency_key, occurred_at) VALUES ($1, 'training_gpu_seconds', 10, 'old:1', now() - interval '40 days'), ($1, 'training_gpu_seconds', 7, 'fix:1', now())`, [tid(tenant)]);
    await t.api.services.billing.outbox!.drain();
    const [old] = await sql(`SELECT reported_at, flagged_at, last_report_error FROM usage_records WHERE idempotency_key = 'old:1'`);
    expect(old.reported_at).toBeNull();
    expect(old.flagged_at).not.toBeNull();
    expect(old.last_report_error).toMatch(/35 days/);
    expect(fake.meterEvents.has('old:1')).toBe(false);
    const [fix] = await sql(`SELECT id, reported_at FROM usage_records WHERE idempotency_key = 'fix:1'`);
    expect(fix.reported_at).not.toBeNull();
    expect(await t.api.services.billing.usage.cancelUsage(fix.id)).toEqual({ state: 'cancel_pending' });
    await t.api.services.billing.outbox!.drain();
    expect(fake.meterEvents.get('fix:1')?.cancelled).toBe(true);
    const [after] = await sql(`SELECT cancelled_at FROM usage_records WHERE id = $1`, [fix.id]);
    expect(after.cancelled_at).not.toBeNull();
  });
});

const DATA = datasetsDir();
const RATINGS = DATA ? fs.readFileSync(path.join(DATA, 'movielens-100k/u.data'), 'utf8').split('\n').slice(0, 20000).join('\n') : '';
(DATA ? describe : describe.skip)('a training run, metered', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ ...env(), DISPATCHER_ENABLED: 'true', RUN_HEARTBEAT_SECONDS: '0.5', BILLING_SLICE_SECONDS: '1', STRIPE_TIMEOUT_MS: '1500', RUN_MAX_GPUS: '8' });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('a run of N seconds on G GPUs reports meter events adding up to exactly its GPU-seconds, each identifier accepted once through 500s, timeouts and dropped connections', async () => {
    const user = await signUp(api.url);
    const created = await gql(api.url, `mutation($input: CreateDatasetUploadInput!) { createDatasetUpload(input: $input) { upload { url } dataset { id } } }`, { input: { name: 'ratings', task: 'RECOMMENDATION', format: 'TSV' } }, { token: user.token });
    const { upload, dataset } = created.data!.createDatasetUpload;
    expect((await fetch(upload.url, { method: 'PUT', body: RATINGS })).status).toBe(200);
    const G = 3;
    const launched = await gql(api.url, `mutation($input: LaunchRunInput!) { launchRun(input: $input) { run { id } userErrors { message } } }`, { input: { modelName: 'metered', task: 'RECOMMENDATION', datasetId: dataset.id, gpus: G, hyperparameters: { epochs: 6 } } }, { token: user.token });
    const runId = launched.data!.launchRun.run.id;
    let run: Record<string, any> = {};
    for (let i = 0; i < 600; i++) {
      run = (await gql(api.url, `query($id: ID!) { run(id: $id) { status gpuSeconds } }`, { id: runId }, { token: user.token })).data!.run;
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(run.status).toBe('SUCCEEDED');
    const [attempt] = await sql(`SELECT gpu_seconds, gpus, EXTRACT(EPOCH FROM ended_at - running_since)::float8 AS n, slices FROM run_attempts WHERE tenant_id = $1`, [tid(user)]);
    const ledger = await sql<{ idempotency_key: string; quantity: number }>(`SELECT idempotency_key, quantity FROM usage_records WHERE tenant_id = $1`, [tid(user)]);
    // Reported in slices while RUNNING, adding up to the attempt's GPU-seconds, which are G × its RUNNING time.
    expect(attempt.gpus).toBe(G);
    expect(ledger.length).toBeGreaterThan(1);
    expect(ledger.reduce((s, r) => s + Number(r.quantity), 0)).toBe(Math.round(attempt.gpu_seconds));
    // G × the RUNNING time, less any heartbeat gap longer than 3 heartbeats (silence is not billed; a loaded machine has some).
    expect(attempt.gpu_seconds).toBeLessThanOrEqual(G * attempt.n + 0.01);
    expect(attempt.gpu_seconds).toBeGreaterThan(G * attempt.n * 0.5);

    fake.failNext(1, '500-before');
    fake.failNext(1, '500-after');
    fake.failNext(1, 'timeout-after');
    fake.failNext(1, 'drop-after');
    await reportAll(60_000);
    const [{ customer }] = await sql(`SELECT stripe_customer_id AS customer FROM tenant_billing WHERE tenant_id = $1`, [tid(user)]);
    expect(fake.total('training_gpu_seconds', customer)).toBe(Math.round(attempt.gpu_seconds));
    for (const r of ledger) expect(fake.meterEvents.get(meterEventIdentifier(r.idempotency_key))?.value).toBe(Number(r.quantity));
    expect([...fake.meterEvents.values()].filter((e) => e.customer === customer)).toHaveLength(ledger.length);
  }, 240_000);
});

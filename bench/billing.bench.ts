/**
 * bench:billing — the usage outbox against a local Stripe-compatible server (test/fake-stripe.ts,
 * in this process, real HTTP, the real `stripe` SDK):
 *  1. ledger rows reported per second (SKIP LOCKED claims, concurrent meter events within the
 *     configured rate, marks in batches), beside a baseline in the same run: bare HTTP POSTs of the
 *     same form bodies at the same concurrency with no SDK and no database (the transport ceiling);
 *  2. the cost of writing a ledger row inside the run-state transaction: a heartbeat's
 *     transaction (lock the run, count GPU time) with and without a ledger slice, µs per transaction.
 * Usage: npm run bench:billing [-- --quick]
 */
import http from 'node:http';
import os from 'node:os';
import pino from 'pino';
import { setupStripe } from '../src/billing/billing-setup';
import { createBillingServices } from '../src/billing';
import { resolvePlans } from '../src/billing/plans';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/bootstrap';
import { Database } from '../src/db/database';
import { countGpuTime, lockRun, sliceUsage } from '../src/training/training-run.repository';
import { FakeStripe } from '../test/fake-stripe';
import { benchDatabase } from './bench-database';

const quick = process.argv.includes('--quick');
const ROWS = quick ? 5_000 : 20_000;
const TENANTS = 10;
const CONCURRENCY = 16;

async function main() {
  const bdb = await benchDatabase('tuneforge_billing');
  const fake = await FakeStripe.start();
  const log = pino({ level: 'warn' });
  const config = loadConfig({
    DATABASE_URL: bdb.url, LOG_LEVEL: 'warn', STRIPE_SECRET_KEY: fake.secretKey, STRIPE_API_URL: fake.url,
    BILLING_REPORT_CONCURRENCY: String(CONCURRENCY), BILLING_REPORT_MAX_PER_SECOND: '1000', // Stripe's documented limit for /v1/billing/meter_events
  });
  const opened = await openDatabase(config, log, { migrate: true });
  const db = new Database(opened.dataSource);
  const q = (sql: string, params: unknown[] = []) => opened.dataSource.query(sql, params);
  try {
    const billing = createBillingServices(db, config, log);
    await setupStripe(billing.account.stripe!, resolvePlans(undefined));
    const tenants: string[] = [];
    for (let i = 0; i < TENANTS; i++) tenants.push((await q(`INSERT INTO tenants (name, slug) VALUES ($1, $1) RETURNING id`, [`bench-${i}`]))[0].id);
    for (const t of tenants) await billing.account.ensureCustomer(t);
    await q(
      `INSERT INTO usage_records (tenant_id, meter, quantity, idempotency_key, occurred_at)
       SELECT ($1::uuid[])[1 + g % $3], 'training_gpu_seconds', 60, 'bench:' || g, now() - make_interval(secs => g / 1000.0) FROM generate_series(1, $2) g`,
      [tenants, ROWS, TENANTS],
    );

    // 1a. Baseline: bare POSTs of equivalent bodies over node:http with keep-alive (what the SDK uses), same concurrency, no SDK, no database.
    const customers: string[] = (await q(`SELECT stripe_customer_id FROM tenant_billing`)).map((r: { stripe_customer_id: string }) => r.stripe_customer_id);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const post = (body: string) => new Promise<void>((resolve, reject) => {
      const req = http.request({ host: fake.host, port: fake.port, path: '/v1/billing/meter_events', method: 'POST', agent, headers: { authorization: `Bearer ${fake.secretKey}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`baseline POST: ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < ROWS; i = next++) {
        await post(new URLSearchParams({ event_name: 'training_gpu_seconds', identifier: `baseline:${i}`, timestamp: String(Math.floor(Date.now() / 1000)), 'payload[stripe_customer_id]': customers[i % customers.length], 'payload[value]': '60' }).toString());
      }
    }));
    agent.destroy();
    const baselineRate = ROWS / ((performance.now() - t0) / 1000);

    // 1b. The outbox.
    const t1 = performance.now();
    const pass = await billing.outbox!.drain();
    const outboxSeconds = (performance.now() - t1) / 1000;
    const [{ left }] = await q(`SELECT count(*)::int AS left FROM usage_records WHERE reported_at IS NULL`);
    if (left !== 0 || pass.reported !== ROWS) throw new Error(`outbox left ${left} rows (${JSON.stringify(pass)})`);
    const outboxRate = ROWS / outboxSeconds;

    // 2. A ledger slice inside the heartbeat transaction.
    const tenantId = tenants[0];
    const [{ id: modelId }] = await q(`INSERT INTO models (tenant_id, name, task) VALUES ($1, 'bench', 'RECOMMENDATION') RETURNING id`, [tenantId]);
    const [{ id: runId }] = await q(
      `INSERT INTO training_runs (tenant_id, model_id, task, dataset_sha256, hyperparameters, gpus, status, started_at) VALUES ($1, $2, 'RECOMMENDATION', '', '{}', 2, 'RUNNING', now()) RETURNING id`,
      [tenantId, modelId],
    );
    await q(`INSERT INTO run_attempts (tenant_id, run_id, attempt, gpus, running_since, counted_until) VALUES ($1, $2, 1, 2, now(), now())`, [tenantId, runId]);
    const N = quick ? 300 : 1000;
    type Variant = 'none' | 'check' | 'slice';
    const heartbeat = (variant: Variant) => db.withTenant({ tenantId }, async (m) => {
      const run = (await lockRun(m, runId))!;
      await countGpuTime(m, run, 1e9);
      // Every variant adds a whole GPU-second, so 'slice' writes a ledger row every time (the worst case;
      // in production one per BILLING_SLICE_SECONDS) and 'check' is the heartbeat when no slice is due.
      await m.query(`UPDATE run_attempts SET gpu_seconds = gpu_seconds + 1 WHERE run_id = $1 AND attempt = 1`, [runId]);
      if (variant === 'slice') await sliceUsage(m, run, { final: false, everySeconds: 0 });
      if (variant === 'check') await sliceUsage(m, run, { final: false, everySeconds: 3600 });
    });
    const time = async (variant: Variant) => {
      const s = performance.now();
      for (let i = 0; i < N; i++) await heartbeat(variant);
      return ((performance.now() - s) * 1000) / N;
    };
    await time('none');
    await time('slice'); // warm-up (the first slice makes 'check' never due from here on)
    const runs: Record<Variant, number[]> = { none: [], check: [], slice: [] };
    for (let r = 0; r < 3; r++) for (const v of ['none', 'check', 'slice'] as const) runs[v].push(await time(v));
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
    const [without, check, withSlice] = [med(runs.none), med(runs.check), med(runs.slice)];
    const [{ slices }] = await q(`SELECT count(*)::int AS slices FROM usage_records WHERE run_id = $1`, [runId]);

    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(`| measure | value |`);
    console.log(`|---|---|`);
    console.log(`| outbox: ${ROWS.toLocaleString('en')} ledger rows, ${TENANTS} customers, concurrency ${CONCURRENCY} | **${outboxRate.toFixed(0)} rows/s** (${outboxSeconds.toFixed(1)} s) |`);
    console.log(`| baseline: bare HTTP POSTs, same server and concurrency | ${baselineRate.toFixed(0)} req/s (outbox/baseline ${(outboxRate / baselineRate).toFixed(2)}×) |`);
    console.log(`| heartbeat transaction (lock run, count GPU time), no ledger work (median of 3 × ${N}) | ${without.toFixed(0)} µs |`);
    console.log(`| + slice check, none due (every heartbeat in production) | ${check.toFixed(0)} µs (+${(check - without).toFixed(0)} µs) |`);
    console.log(`| + ledger slice written | ${withSlice.toFixed(0)} µs |`);
    console.log(`| **cost of writing the ledger row** | **${(withSlice - without).toFixed(0)} µs** (${slices} slices written) |`);
  } finally {
    await opened.close();
    await fake.stop();
    await bdb.cleanup();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});

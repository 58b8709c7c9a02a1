import Stripe from 'stripe';
import { setupStripe } from '../src/billing/billing-setup';
import { resolvePlans } from '../src/billing/plans';
import { idOf } from '../src/common/global-id';
import { isolatedDatabase } from './billing-helpers';
import { FakeStripe } from './fake-stripe';
import { createApiKey, gql, signUp, startTestApi, TestApi, TestUser } from './helpers';

const SECRET = 'whsec_test_tuneforge_0123456789';
let fake: FakeStripe;
let t: TestApi;
let ledgerOnly: TestApi;
let db: { url: string; drop(): Promise<void> };
const tid = (u: TestUser) => idOf('Tenant', u.tenantId);
const sql = <T = any>(text: string, params: unknown[] = []): Promise<T[]> => t.api.database.dataSource.query(text, params); // eslint-disable-line @typescript-eslint/no-explicit-any

const BILLING = `{ billing { plan { name limits { maxConcurrentRuns gpuHoursPerPeriod } } subscriptionStatus pastDueSince paymentRequired stripeConnected hasStripeCustomer gpuHoursThisPeriod } }`;
const USAGE = `query($from: DateTime, $to: DateTime) { usage(from: $from, to: $to) { gpuSeconds trainingHours inferenceRequests reported { gpuSeconds } byRun { runId gpuSeconds } byDay { day gpuSeconds inferenceRequests } stripe { gpuSeconds } } }`;
const PREVIEW = `{ invoicePreview { currency total lines { quantity amount lookupKey } } }`;
const CHECKOUT = `mutation($plan: String!) { createCheckoutSession(plan: $plan) { url userErrors { field message code } } }`;
const LAUNCH = `mutation($input: LaunchRunInput!) { launchRun(input: $input) { run { id status } userErrors { field message code } } }`;

async function deliver(event: object, opts: { secret?: string; timestamp?: number } = {}): Promise<Response> {
  const payload = JSON.stringify(event);
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? SECRET, timestamp: opts.timestamp });
  return fetch(`${t.base}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body: payload });
}

async function readyDataset(user: TestUser): Promise<string> {
  const res = await gql(t.url, `mutation($input: CreateDatasetUploadInput!) { createDatasetUpload(input: $input) { upload { url } dataset { id } } }`, { input: { name: 'r', task: 'RECOMMENDATION', format: 'TSV' } }, { token: user.token });
  const { upload, dataset } = res.data!.createDatasetUpload;
  await fetch(upload.url, { method: 'PUT', body: '1\t10\t4\n2\t10\t3\n3\t11\t5\n4\t12\t2\n5\t10\t4\n6\t11\t1\n7\t12\t5\n8\t13\t3\n9\t10\t4\n10\t11\t2\n' });
  return dataset.id;
}

beforeAll(async () => {
  fake = await FakeStripe.start();
  db = await isolatedDatabase();
  const env = { DATABASE_URL: db.url, STRIPE_SECRET_KEY: fake.secretKey, STRIPE_API_URL: fake.url, STRIPE_WEBHOOK_SECRET: SECRET, BILLING_OUTBOX_ENABLED: 'false', BILLING_GRACE_PERIOD_SECONDS: '3600' };
  t = await startTestApi(env);
  await setupStripe(t.api.services.billing.account.stripe!, resolvePlans(undefined));
  ledgerOnly = await startTestApi({ DATABASE_URL: db.url });
});
afterAll(async () => {
  await t?.stop();
  await ledgerOnly?.stop();
  await fake?.stop();
  await db?.drop();
});

describe('billing API with Stripe (local server)', () => {
  it('billing:setup is idempotent: a second run finds every meter and price', async () => {
    const again = await setupStripe(t.api.services.billing.account.stripe!, resolvePlans(undefined));
    expect(Object.values(again.meters).every((m) => !m.created)).toBe(true);
    expect(Object.values(again.prices).every((p) => !p.created)).toBe(true);
    expect(fake.meters.size).toBe(2);
    const training = [...fake.prices.values()].find((p) => p.lookup_key === 'tuneforge_training_gpu_hours')!;
    expect(training).toMatchObject({ transform_quantity: { divide_by: 3600, round: 'up' }, recurring: { usage_type: 'metered', meter: again.meters.training_gpu_seconds.id } });
  });

  it('checkout → subscription webhook → pro plan; usage and invoicePreview agree with the ledger', async () => {
    const [a, b] = [await signUp(t.url), await signUp(t.url)];
    expect((await gql(t.url, BILLING, {}, { token: a.token })).data!.billing).toMatchObject({ plan: { name: 'free' }, subscriptionStatus: null, stripeConnected: true, hasStripeCustomer: false });
    expect((await gql(t.url, CHECKOUT, { plan: 'free' }, { token: a.token })).data!.createCheckoutSession.userErrors[0]).toMatchObject({ field: ['plan'], code: 'UNKNOWN_PLAN' });
    fake.faultPath = '/v1/checkout/sessions';
    fake.failNext(1, '500-before');
    const failed = (await gql(t.url, CHECKOUT, { plan: 'pro' }, { token: a.token })).data!.createCheckoutSession;
    fake.faultPath = '/v1/billing/meter_events';
    expect(failed).toMatchObject({ url: null, userErrors: [{ field: null, code: 'STRIPE_UNAVAILABLE' }] });
    const checkout = (await gql(t.url, CHECKOUT, { plan: 'pro' }, { token: a.token })).data!.createCheckoutSession;
    expect(checkout.userErrors).toEqual([]);
    expect(checkout.url).toMatch(/\/checkout\/cs_test_/);
    const sub = fake.completeCheckout(checkout.url.split('/').pop());
    expect((await deliver(fake.event('customer.subscription.created', sub))).status).toBe(200);
    expect((await gql(t.url, BILLING, {}, { token: a.token })).data!.billing).toMatchObject({ plan: { name: 'pro', limits: { maxConcurrentRuns: 4 } }, subscriptionStatus: 'active', hasStripeCustomer: true });
    expect((await gql(t.url, CHECKOUT, { plan: 'enterprise' }, { token: a.token })).data!.createCheckoutSession.userErrors[0].code).toBe('CONFLICT');

    // Usage: two attempts of a run and some inference requests, reported by the outbox.
    const datasetId = await readyDataset(a);
    const run = (await gql(t.url, LAUNCH, { input: { modelName: 'm', task: 'RECOMMENDATION', datasetId } }, { token: a.token })).data!.launchRun.run;
    const runRow = idOf('TrainingRun', run.id);
    await sql(`INSERT INTO usage_records (tenant_id, meter, quantity, run_id, attempt, idempotency_key) VALUES ($1, 'training_gpu_seconds', 5000, $2, 1, 'a:1'), ($1, 'training_gpu_seconds', 2300, $2, 2, 'a:2'), ($1, 'inference_requests', 1500, NULL, NULL, 'a:3')`, [tid(a), runRow]);
    await sql(`INSERT INTO usage_records (tenant_id, meter, quantity, idempotency_key) VALUES ($1, 'training_gpu_seconds', 999, 'b:1')`, [tid(b)]);
    await t.api.services.billing.outbox!.drain();
    const usage = (await gql(t.url, USAGE, {}, { token: a.token })).data!.usage;
    expect(usage).toMatchObject({ gpuSeconds: 7300, inferenceRequests: 1500, reported: { gpuSeconds: 7300 }, byRun: [{ runId: run.id, gpuSeconds: 7300 }], stripe: { gpuSeconds: 7300 } });
    expect(usage.trainingHours).toBeCloseTo(7300 / 3600, 6);
    expect(usage.byDay).toEqual([{ day: new Date().toISOString().slice(0, 10), gpuSeconds: 7300, inferenceRequests: 1500 }]);
    const preview = (await gql(t.url, PREVIEW, {}, { token: a.token })).data!.invoicePreview;
    const line = (key: string) => preview.lines.find((l: { lookupKey: string }) => l.lookupKey === key);
    expect(line('tuneforge_training_gpu_hours')).toEqual({ quantity: Math.ceil(usage.gpuSeconds / 3600), amount: 3 * 250, lookupKey: 'tuneforge_training_gpu_hours' });
    expect(line('tuneforge_inference_1k_requests')).toEqual({ quantity: 2, amount: 20, lookupKey: 'tuneforge_inference_1k_requests' });
    expect(preview.total).toBe(4900 + 750 + 20);
    // The other tenant sees only its own.
    expect((await gql(t.url, USAGE, {}, { token: b.token })).data!.usage).toMatchObject({ gpuSeconds: 999, byRun: [] });
    expect((await gql(t.url, PREVIEW, {}, { token: b.token })).data!.invoicePreview).toBeNull();

    const portal = await gql(t.url, `mutation { createBillingPortalSession(returnUrl: "https://app.example.com/settings") { url userErrors { code } } }`, {}, { token: a.token });
    expect(portal.data!.createBillingPortalSession.url).toMatch(/\/p\/session\/bps_/);
    // Scopes: a read-only key reads usage but cannot buy.
    const key = await createApiKey(t.url, a.token, ['billing:read']);
    expect((await gql(t.url, USAGE, {}, { token: key.secret })).data!.usage.gpuSeconds).toBe(7300);
    expect((await gql(t.url, CHECKOUT, { plan: 'pro' }, { token: key.secret })).errors![0].extensions!.code).toBe('FORBIDDEN');
  });

  it('webhooks: a valid signature is applied once; a wrong signature or a stale timestamp is 400', async () => {
    const user = await signUp(t.url);
    const customer = await t.api.services.billing.account.ensureCustomer(tid(user));
    const sub = { id: 'sub_hook', object: 'subscription', customer, status: 'past_due', metadata: { plan: 'pro' }, items: { object: 'list', data: [] } };
    const event = fake.event('customer.subscription.updated', sub);
    expect((await deliver(event, { secret: 'whsec_wrong' })).status).toBe(400);
    expect((await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(400);
    const unsigned = await fetch(`${t.base}/webhooks/stripe`, { method: 'POST', body: JSON.stringify(event) });
    expect(unsigned.status).toBe(400);
    expect((await sql(`SELECT count(*)::int AS n FROM stripe_webhook_events WHERE id = $1`, [event.id]))[0].n).toBe(0);

    const first = await deliver(event);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ received: true, duplicate: false });
    // A later event makes it active again; the replay of the first must not make it past_due again.
    expect((await deliver(fake.event('customer.subscription.updated', { ...sub, status: 'active' }, event.created + 1))).status).toBe(200);
    const replay = await deliver(event);
    expect(await replay.json()).toMatchObject({ received: true, duplicate: true });
    expect((await gql(t.url, BILLING, {}, { token: user.token })).data!.billing).toMatchObject({ subscriptionStatus: 'active', pastDueSince: null, plan: { name: 'pro' } });
    expect((await sql(`SELECT count(*)::int AS n FROM stripe_webhook_events WHERE id = $1`, [event.id]))[0].n).toBe(1);
  });

  it('past_due beyond the grace period blocks launchRun with PAYMENT_REQUIRED; canceled falls back to free', async () => {
    const user = await signUp(t.url);
    const datasetId = await readyDataset(user);
    const customer = await t.api.services.billing.account.ensureCustomer(tid(user));
    const sub = { id: 'sub_due', object: 'subscription', customer, status: 'past_due', metadata: { plan: 'pro' }, items: { object: 'list', data: [] } };
    const created = Math.floor(Date.now() / 1000);
    // Past due since just now: within the hour of grace, launches still work.
    expect((await deliver(fake.event('customer.subscription.updated', sub, created))).status).toBe(200);
    const ok = (await gql(t.url, LAUNCH, { input: { modelName: 'm', task: 'RECOMMENDATION', datasetId } }, { token: user.token })).data!.launchRun;
    expect(ok.userErrors).toEqual([]);
    // Past due for two hours: blocked.
    await sql(`UPDATE tenant_billing SET past_due_since = now() - interval '2 hours' WHERE tenant_id = $1`, [tid(user)]);
    const blocked = (await gql(t.url, LAUNCH, { input: { modelName: 'm', task: 'RECOMMENDATION', datasetId } }, { token: user.token })).data!.launchRun;
    expect(blocked.run).toBeNull();
    expect(blocked.userErrors[0]).toMatchObject({ code: 'PAYMENT_REQUIRED' });
    expect(blocked.userErrors[0].message).toMatch(/past due since/);
    expect((await gql(t.url, BILLING, {}, { token: user.token })).data!.billing.paymentRequired).toMatch(/payment required/);
    // The queued run is untouched.
    expect((await gql(t.url, `query($id: ID!) { run(id: $id) { status } }`, { id: ok.run.id }, { token: user.token })).data!.run.status).toBe('QUEUED');
    expect((await deliver(fake.event('customer.subscription.deleted', { ...sub, status: 'canceled' }, created + 5))).status).toBe(200);
    expect((await gql(t.url, BILLING, {}, { token: user.token })).data!.billing).toMatchObject({ plan: { name: 'free' }, subscriptionStatus: 'canceled', paymentRequired: null });
    expect((await gql(t.url, LAUNCH, { input: { modelName: 'm', task: 'RECOMMENDATION', datasetId } }, { token: user.token })).data!.launchRun.userErrors).toEqual([]);
  });

  it('ledger-only mode: usage answers from the ledger, there is no invoice, and checkout says billing is not configured', async () => {
    const user = await signUp(ledgerOnly.url);
    await ledgerOnly.api.database.dataSource.query(`INSERT INTO usage_records (tenant_id, meter, quantity, idempotency_key) VALUES ($1, 'training_gpu_seconds', 42, 'lo:1')`, [tid(user)]);
    expect((await gql(ledgerOnly.url, USAGE, {}, { token: user.token })).data!.usage).toMatchObject({ gpuSeconds: 42, reported: { gpuSeconds: 0 }, stripe: null });
    expect((await gql(ledgerOnly.url, BILLING, {}, { token: user.token })).data!.billing).toMatchObject({ stripeConnected: false, plan: { name: 'free' } });
    expect((await gql(ledgerOnly.url, PREVIEW, {}, { token: user.token })).data!.invoicePreview).toBeNull();
    expect((await gql(ledgerOnly.url, CHECKOUT, { plan: 'pro' }, { token: user.token })).data!.createCheckoutSession.userErrors[0].code).toBe('BILLING_NOT_CONFIGURED');
    expect((await fetch(`${ledgerOnly.base}/webhooks/stripe`, { method: 'POST', body: '{}' })).status).toBe(503);
  });
});

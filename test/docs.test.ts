import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { docOperations, RUN_WITH_OPENAI, RUN_WITH_TRAINED_MODELS } from './doc-operations';
import { gql, startTestApi, TestApi, uniqueEmail } from './helpers';

let t: TestApi;
const ops = docOperations();
const used = new Set<string>();

async function run(name: string, variables: Record<string, unknown> = {}, token?: string) {
  const query = ops.get(name);
  if (!query) throw new Error(`docs/api.md has no operation ${name}`);
  used.add(name);
  const res = await gql(t.url, query, variables, { token });
  expect({ name, errors: res.errors }).toEqual({ name, errors: undefined });
  return res.data!;
}

beforeAll(async () => { t = await startTestApi(); });
afterAll(async () => { await t.stop(); });

describe('docs/api.md', () => {
  it('every documented operation runs as written, in the order a new tenant would use them', async () => {
    const email = uniqueEmail('ada');
    const password = 'a long passphrase';
    const signUp = (await run('SignUp', { input: { email, password, tenantName: 'Analytical Engines' } })).signUp;
    expect(signUp.userErrors).toEqual([]);
    const logIn = (await run('LogIn', { input: { email, password } })).logIn;
    const refreshed = (await run('RefreshSession', { refreshToken: logIn.refreshToken })).refreshSession;
    const token = refreshed.token;

    const viewer = (await run('Viewer', {}, token)).viewer;
    expect(viewer).toMatchObject({ user: { email }, role: 'OWNER', tenant: { name: 'Analytical Engines' } });

    const key = (await run('CreateApiKey', { input: { name: 'recommendations service', scopes: ['models:invoke', 'runs:read'] } }, token)).createApiKey;
    expect(key.secret).toMatch(/^tfk_/);
    const asApp = (await run('Viewer', {}, key.secret)).viewer;
    expect(asApp).toMatchObject({ user: null, apiKey: { name: 'recommendations service' }, scopes: ['models:invoke', 'runs:read'] });
    const keys = (await run('ApiKeys', {}, token)).viewer.tenant.apiKeys;
    expect(keys.nodes[0]).toMatchObject({ name: 'recommendations service', createdBy: { email } });
    const revoked = (await run('RevokeApiKey', { id: key.apiKey.id }, token)).revokeApiKey;
    expect(revoked.apiKey.revokedAt).not.toBeNull();

    const inviteeEmail = uniqueEmail('grace');
    const invite = (await run('InviteMember', { input: { email: inviteeEmail, role: 'MEMBER' } }, token)).inviteMember;
    const invitee = (await run('SignUp', { input: { email: inviteeEmail, password, tenantName: 'Grace Co' } })).signUp;
    const accepted = (await run('AcceptInvitation', { token: invite.token }, invitee.token)).acceptInvitation;
    expect(accepted.tenant.id).toBe(signUp.tenant.id);

    const members = (await run('Members', {}, token)).viewer.tenant.members;
    expect(members.edges.map((e: { node: { role: string } }) => e.node.role)).toEqual(['OWNER', 'MEMBER']);
    const memberId = members.edges[1].node.id;
    const updated = (await run('UpdateMemberRole', { input: { membershipId: memberId, role: 'VIEWER' } }, token)).updateMemberRole;
    expect(updated.membership.role).toBe('VIEWER');
    const node = (await run('Node', { id: memberId }, token)).node;
    expect(node).toMatchObject({ role: 'VIEWER', user: { email: inviteeEmail } });
    const removed = (await run('RemoveMember', { id: memberId }, token)).removeMember;
    expect(removed.userErrors).toEqual([]);

    const created = (await run('CreateDatasetUpload', { input: { name: 'ml-100k ratings', task: 'RECOMMENDATION', format: 'TSV' } }, token)).createDatasetUpload;
    const put = await fetch(created.upload.url, { method: created.upload.method, headers: created.upload.headers, body: '196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n' });
    expect(put.status).toBe(200);
    const dataset = (await run('Dataset', { id: created.dataset.id }, token)).dataset;
    expect(dataset).toMatchObject({ status: 'READY', rowCount: 3, task: 'RECOMMENDATION' });
    expect(dataset.preview[0]).toMatchObject({ userId: '196', itemId: '242', rating: 3 });
    expect(dataset.files).toBeNull();
    const list = (await run('Datasets', {}, token)).datasets;
    expect(list.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([created.dataset.id]);
    const presets = (await run('BaseModels', {}, token)).baseModels;
    expect(presets[0].name).toBe('mf-small');
    const launched = (await run('LaunchRun', { input: { modelName: 'ml100k-rec', task: 'RECOMMENDATION', datasetId: created.dataset.id, hyperparameters: { epochs: 1 }, idempotencyKey: 'docs' } }, token)).launchRun;
    expect(launched.userErrors).toEqual([]);
    const runNode = (await run('Run', { id: launched.run.id }, token)).run;
    expect(runNode).toMatchObject({ modelName: 'ml100k-rec', attempt: 1 });
    expect(Array.isArray((await run('Runs', {}, token)).runs.edges)).toBe(true);
    const compared = (await run('CompareRuns', { ids: [launched.run.id] }, token)).compareRuns;
    expect(compared[0].run.id).toBe(launched.run.id);
    const ws = createClient({ url: t.url.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } });
    const updates: string[] = [];
    used.add('RunUpdated');
    const stop = ws.subscribe<{ runUpdated: { status: string } }>({ query: ops.get('RunUpdated')!, variables: { id: launched.run.id } }, { next: (m) => m.data && updates.push(m.data.runUpdated.status), error: () => undefined, complete: () => undefined });
    await new Promise((r) => setTimeout(r, 300)); // let the subscription register
    const cancelled = (await run('CancelRun', { id: launched.run.id }, token)).cancelRun;
    const final = cancelled.run?.status ?? 'already finished';
    for (let i = 0; i < 50 && !updates.includes('CANCELLED') && final === 'CANCELLED'; i++) await new Promise((r) => setTimeout(r, 100));
    stop();
    await ws.dispose();
    if (final === 'CANCELLED') expect(updates).toContain('CANCELLED');
    const deleted = (await run('DeleteDataset', { id: created.dataset.id }, token)).deleteDataset;
    expect(deleted.userErrors).toEqual([]);

    // Your own splits: a split column, then split files.
    const own = (await run('CreateDatasetUpload', { input: { name: 'reviews', task: 'CLASSIFICATION', format: 'CSV', options: { splitColumn: 'split' } } }, token)).createDatasetUpload;
    const ownPut = await fetch(own.upload.url, { method: own.upload.method, headers: own.upload.headers, body: 'text,label,split\na fine film,pos,train\ndull,neg,validation\nloved it,pos,test\n' });
    expect(ownPut.status).toBe(200);
    expect((await run('Dataset', { id: own.dataset.id }, token)).dataset).toMatchObject({ status: 'READY', splits: { train: 1, validation: 1, test: 1 } });
    const parts = (await run('CreateSplitFileUpload', { input: { name: 'multi30k de-en', task: 'TRANSLATION', format: 'TSV', options: { hasHeader: false }, splitFiles: ['TRAIN', 'VALIDATION', 'TEST'] } }, token)).createDatasetUpload;
    const files: Record<string, string> = { TRAIN: 'Ein Hund.\tA dog.\nZwei Katzen.\tTwo cats.\n', VALIDATION: 'Ein Haus.\tA house.\n', TEST: 'Ein Baum.\tA tree.\n' };
    const answers = [];
    for (const u of parts.uploads) answers.push((await fetch(u.url, { method: u.method, headers: u.headers, body: files[u.split] })).status);
    expect(answers).toEqual([202, 202, 200]);
    const joined = (await run('Dataset', { id: parts.dataset.id }, token)).dataset;
    expect(joined).toMatchObject({ status: 'READY', rowCount: 4, splits: { train: 2, validation: 1, test: 1 } });
    expect(joined.files.map((f: { split: string; status: string; rowCount: number }) => [f.split, f.status, f.rowCount])).toEqual([['TRAIN', 'RECEIVED', 2], ['VALIDATION', 'RECEIVED', 1], ['TEST', 'RECEIVED', 1]]);

    const billing = (await run('Billing', {}, token)).billing;
    expect(billing).toMatchObject({ plan: { name: 'free' }, stripeConnected: false, paymentRequired: null });
    expect((await run('Plans', {}, token)).plans.map((p: { name: string }) => p.name)).toEqual(['free', 'pro', 'enterprise']);
    const usage = (await run('Usage', { from: new Date(Date.now() - 86_400_000).toISOString() }, token)).usage;
    expect(usage).toMatchObject({ reported: { gpuSeconds: 0 }, stripe: null });
    expect((await run('InvoicePreview', {}, token)).invoicePreview).toBeNull();
    expect((await run('CreateCheckoutSession', { plan: 'pro' }, token)).createCheckoutSession.userErrors[0].code).toBe('BILLING_NOT_CONFIGURED');
    expect((await run('CreateBillingPortalSession', { returnUrl: 'https://app.example.com/settings' }, token)).createBillingPortalSession.userErrors[0].code).toBe('BILLING_NOT_CONFIGURED');

    const out = (await run('LogOut', { refreshToken: refreshed.refreshToken })).logOut;
    expect(out.userErrors).toEqual([]);
  });

  it('every documented operation validates against the schema (subscriptions included)', () => {
    const schema = buildSchema(fs.readFileSync(path.resolve(__dirname, '../schema.graphql'), 'utf8'));
    for (const [name, query] of ops) {
      expect({ name, errors: validate(schema, parse(query)).map((e) => e.message) }).toEqual({ name, errors: [] });
      if (name === 'RunMetricLogged') used.add(name); // its live stream is exercised in test/runs.test.ts
      if (RUN_WITH_TRAINED_MODELS.includes(name)) used.add(name); // run as written in test/inference.test.ts
      if (RUN_WITH_OPENAI.includes(name)) used.add(name); // run as written in test/openai.test.ts
    }
  });

  it('runs every operation the page documents', () => {
    expect([...ops.keys()].filter((n) => !used.has(n))).toEqual([]);
  });
});

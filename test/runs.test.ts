import fs from 'node:fs';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApiKey, datasetsDir, gql, signUp, startTestApi, TestApi, TestUser } from './helpers';

const LAUNCH = `mutation LaunchRun($input: LaunchRunInput!) { launchRun(input: $input) { run { id status attempt } userErrors { field message code } } }`;
const RUN = `query Run($id: ID!) { run(id: $id) { id status attempt gpuSeconds backend error { code message } evaluation { split metrics baseline } modelVersion { id version }
  progress { step totalSteps epoch totalEpochs } checkpoints { name epoch step attempt bytes }
  events(first: 100) { nodes { level message data } } metrics(split: "validation") { name split points { step value } } } }`;

const DATA = datasetsDir();
const RATINGS = DATA ? fs.readFileSync(path.join(DATA, 'movielens-100k/u.data'), 'utf8').split('\n').slice(0, 6000).join('\n') : '';
const withData = DATA ? describe : describe.skip;
if (!DATA) console.warn('skipping training-run tests on real data: shared/datasets not found (set TUNEFORGE_DATASETS)');

async function uploadRatings(t: TestApi, user: TestUser, body = RATINGS): Promise<string> {
  const res = await gql(t.url, `mutation($input: CreateDatasetUploadInput!) { createDatasetUpload(input: $input) { upload { url } dataset { id } } }`, {
    input: { name: 'ml-100k slice', task: 'RECOMMENDATION', format: 'TSV' },
  }, { token: user.token });
  const { upload, dataset } = res.data!.createDatasetUpload;
  const put = await fetch(upload.url, { method: 'PUT', body });
  if (put.status !== 200) throw new Error(`upload failed: ${await put.text()}`);
  return dataset.id;
}

/** The pid of the trainer process of a run (its environment names the run), found through /proc. */
function trainerPid(runRowId: string): number | null {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmd.includes('trainer')) continue;
      if (fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`TUNEFORGE_RUN_ID=${runRowId}`)) return Number(entry);
    } catch {
      /* the process ended meanwhile */
    }
  }
  return null;
}

async function waitFor(t: TestApi, user: TestUser, id: string, done: (run: Record<string, any>) => boolean, timeoutMs = 120_000): Promise<Record<string, any>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = (await gql(t.url, RUN, { id }, { token: user.token })).data!.run;
    if (done(run)) return run;
    if (Date.now() > until) throw new Error(`timed out waiting for run: ${JSON.stringify(run).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('launching runs (dispatcher off: runs stay queued)', () => {
  let t: TestApi;
  let a: TestUser;
  let b: TestUser;
  let datasetA: string;
  beforeAll(async () => {
    t = await startTestApi({ DISPATCHER_ENABLED: 'false' });
    [a, b] = await Promise.all([signUp(t.url), signUp(t.url)]);
    datasetA = await uploadRatings(t, a, '1\t10\t4\n2\t10\t3\n3\t11\t5\n4\t12\t2\n5\t10\t4\n6\t11\t1\n7\t12\t5\n8\t13\t3\n9\t10\t4\n10\t11\t2\n');
  });
  afterAll(async () => {
    // Leave no queued run behind for the dispatching server below (they share the queue).
    const queued = await gql(t.url, `{ runs(first: 100, filter: {status: QUEUED}) { nodes { id } } }`, {}, { token: a.token });
    for (const r of queued.data!.runs.nodes) await gql(t.url, `mutation($id: ID!) { cancelRun(id: $id) { run { status } } }`, { id: r.id }, { token: a.token });
    await t.stop();
  });

  it('names every bad hyperparameter in userErrors and creates nothing', async () => {
    const res = await gql(t.url, LAUNCH, { input: { modelName: 'recs', task: 'RECOMMENDATION', datasetId: datasetA, hyperparameters: { epochs: 0, learningRate: 'fast', bogus: 1 } } }, { token: a.token });
    const errors = res.data!.launchRun.userErrors as { field: string[]; code: string }[];
    expect(res.data!.launchRun.run).toBeNull();
    expect(errors.map((e) => e.field.join('.')).sort()).toEqual(['hyperparameters.bogus', 'hyperparameters.epochs', 'hyperparameters.learningRate']);
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(['INVALID_HYPERPARAMETER']));
    const runs = await gql(t.url, `{ runs(first: 10) { nodes { id } } }`, {}, { token: a.token });
    expect(runs.data!.runs.nodes).toEqual([]);
  });

  it('answers another tenant\'s dataset as not found, and a dataset of another task as a mismatch', async () => {
    const foreign = await gql(t.url, LAUNCH, { input: { modelName: 'x', task: 'RECOMMENDATION', datasetId: datasetA } }, { token: b.token });
    expect(foreign.data!.launchRun.userErrors).toEqual([{ field: ['datasetId'], message: 'dataset not found', code: 'NOT_FOUND' }]);
    const wrongTask = await gql(t.url, LAUNCH, { input: { modelName: 'x', task: 'CLASSIFICATION', datasetId: datasetA } }, { token: a.token });
    expect(wrongTask.data!.launchRun.userErrors[0]).toMatchObject({ field: ['datasetId'], code: 'TASK_MISMATCH' });
  });

  it('returns the same run for the same idempotency key', async () => {
    const input = { modelName: 'recs', task: 'RECOMMENDATION', datasetId: datasetA, hyperparameters: { epochs: 2 }, idempotencyKey: 'nightly-2026-11-29' };
    const first = (await gql(t.url, LAUNCH, { input }, { token: a.token })).data!.launchRun;
    const second = (await gql(t.url, LAUNCH, { input }, { token: a.token })).data!.launchRun;
    expect(first.userErrors).toEqual([]);
    expect(second.run.id).toBe(first.run.id);
    const runs = await gql(t.url, `{ runs(first: 10, filter: {status: QUEUED}) { nodes { id } } }`, {}, { token: a.token });
    expect(runs.data!.runs.nodes).toEqual([{ id: first.run.id }]);
  });

  it('cancels a queued run; a key without runs:write cannot; another tenant gets NOT_FOUND', async () => {
    const run = (await gql(t.url, LAUNCH, { input: { modelName: 'recs', task: 'RECOMMENDATION', datasetId: datasetA } }, { token: a.token })).data!.launchRun.run;
    const reader = await createApiKey(t.url, a.token, ['runs:read']);
    const denied = await gql(t.url, `mutation($id: ID!) { cancelRun(id: $id) { run { status } } }`, { id: run.id }, { token: reader.secret });
    expect(denied.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'runs:write' });
    const foreign = await gql(t.url, `mutation($id: ID!) { cancelRun(id: $id) { run { status } userErrors { field code } } }`, { id: run.id }, { token: b.token });
    expect(foreign.data!.cancelRun.userErrors).toEqual([{ field: ['id'], code: 'NOT_FOUND' }]);
    const cancelled = await gql(t.url, `mutation($id: ID!) { cancelRun(id: $id) { run { status } userErrors { code } } }`, { id: run.id }, { token: a.token });
    expect(cancelled.data!.cancelRun).toEqual({ run: { status: 'CANCELLED' }, userErrors: [] });
    const again = await gql(t.url, `mutation($id: ID!) { cancelRun(id: $id) { run { status } userErrors { code } } }`, { id: run.id }, { token: a.token });
    expect(again.data!.cancelRun.run.status).toBe('CANCELLED');
    const events = (await gql(t.url, RUN, { id: run.id }, { token: a.token })).data!.run.events.nodes.map((e: { message: string }) => e.message);
    expect(events).toEqual(['run queued', 'run cancelled']);
  });

  it('refuses to delete a dataset that a queued run uses, naming the run', async () => {
    const run = (await gql(t.url, LAUNCH, { input: { modelName: 'recs', task: 'RECOMMENDATION', datasetId: datasetA } }, { token: a.token })).data!.launchRun.run;
    const res = await gql(t.url, `mutation($id: ID!) { deleteDataset(id: $id) { deletedDatasetId userErrors { field code message } } }`, { id: datasetA }, { token: a.token });
    expect(res.data!.deleteDataset.userErrors[0]).toMatchObject({ field: ['id'], code: 'CONFLICT' });
    expect(res.data!.deleteDataset.userErrors[0].message).toContain(run.id);
  });

  it('fans run updates out to subscribers on another API replica, and never to another tenant', async () => {
    const replica = await startTestApi({ DISPATCHER_ENABLED: 'false' });
    const clients = [a, b].map((u) => createClient({ url: replica.url.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${u.token}` } }));
    try {
      const id = (await gql(t.url, LAUNCH, { input: { modelName: 'fanout', task: 'RECOMMENDATION', datasetId: datasetA } }, { token: a.token })).data!.launchRun.run.id;
      const seen: Record<string, string[]> = { a: [], b: [] };
      const query = `subscription($id: ID!) { runUpdated(id: $id) { status } }`;
      clients.forEach((c, i) => c.subscribe<{ runUpdated: { status: string } }>({ query, variables: { id } }, { next: (m) => m.data && seen[i ? 'b' : 'a'].push(m.data.runUpdated.status), error: () => undefined, complete: () => undefined }));
      await new Promise((r) => setTimeout(r, 500));
      await gql(t.url, `mutation($id: ID!) { cancelRun(id: $id) { run { status } } }`, { id }, { token: a.token }); // on the first replica
      for (let i = 0; i < 50 && !seen.a.includes('CANCELLED'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(seen.a).toContain('CANCELLED');
      expect(seen.b).toEqual([]);
      // Subscribing to a run of another tenant (or to no run) fails at once, as NOT_FOUND: it never just waits.
      const refusal = await new Promise<unknown[]>((resolve) => {
        clients[1].subscribe({ query, variables: { id } }, { next: (m) => m.errors && resolve([...m.errors]), error: (e) => resolve(Array.isArray(e) ? e : [e]), complete: () => resolve([]) });
      });
      expect(refusal[0]).toMatchObject({ message: 'TrainingRun not found', extensions: { code: 'NOT_FOUND' } });
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
      await replica.stop();
    }
  });

  it('lists presets with their default hyperparameters', async () => {
    const res = await gql(t.url, `{ baseModels(task: RECOMMENDATION) { name task defaultHyperparameters } }`, {}, { token: a.token });
    expect(res.data!.baseModels.map((b: { name: string }) => b.name)).toEqual(['mf-small', 'mf-base']);
    expect(res.data!.baseModels[0].defaultHyperparameters).toMatchObject({ factors: 32, epochs: expect.any(Number) });
  });
});

withData('training end to end with the local executor', () => {
  let t: TestApi;
  let a: TestUser;
  let dataset: string;
  beforeAll(async () => {
    t = await startTestApi({ DISPATCHER_ENABLED: 'true', RUN_HEARTBEAT_SECONDS: '0.5', RUN_HEARTBEAT_TIMEOUT_SECONDS: '5', LOCAL_EXECUTOR_CONCURRENCY: '2' });
    a = await signUp(t.url);
    dataset = await uploadRatings(t, a);
  });
  afterAll(async () => { await t.stop(); });

  it('trains to SUCCEEDED, streams metric points over a subscription, beats the baseline and registers a version', async () => {
    const ws = createClient({ url: t.url.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${a.token}` } });
    const launched = (await gql(t.url, LAUNCH, { input: { modelName: 'ml100k-rec', task: 'RECOMMENDATION', datasetId: dataset, hyperparameters: { epochs: 4, seed: 7 } } }, { token: a.token })).data!.launchRun;
    expect(launched.userErrors).toEqual([]);
    const id = launched.run.id;
    const points: { name: string; value: number }[] = [];
    const statuses: string[] = [];
    const unsubscribe = [
      ws.subscribe<{ runMetricLogged: { name: string; value: number } }>({ query: `subscription($id: ID!) { runMetricLogged(runId: $id) { name split step value } }`, variables: { id } }, { next: (m) => m.data && points.push(m.data.runMetricLogged), error: () => undefined, complete: () => undefined }),
      ws.subscribe<{ runUpdated: { status: string } }>({ query: `subscription($id: ID!) { runUpdated(id: $id) { status } }`, variables: { id } }, { next: (m) => m.data && statuses.push(m.data.runUpdated.status), error: () => undefined, complete: () => undefined }),
    ];
    const run = await waitFor(t, a, id, (r) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.status));
    unsubscribe.forEach((u) => u());
    await ws.dispose();
    expect({ status: run.status, error: run.error }).toEqual({ status: 'SUCCEEDED', error: null });
    expect(run.evaluation.metrics.rmse).toBeLessThan(run.evaluation.baseline.rmse);
    expect(run.modelVersion).toMatchObject({ version: 1 });
    expect(run.gpuSeconds).toBeGreaterThan(0);
    expect(run.checkpoints.length).toBeGreaterThan(0);
    expect(run.metrics.map((s: { name: string }) => s.name)).toContain('rmse');
    expect(points.length).toBeGreaterThan(0);
    expect(statuses).toContain('SUCCEEDED');
    expect(run.events.nodes.map((e: { message: string }) => e.message)).toEqual(expect.arrayContaining(['run queued', 'attempt 1 is running', 'run succeeded: version 1 registered']));
  }, 180_000);

  it('requeues a run whose trainer is SIGKILLed after a checkpoint; attempt 2 resumes and ends with the uninterrupted metrics, GPU time counted once', async () => {
    const hyperparameters = { epochs: 4, seed: 7 };
    const reference = await waitFor(t, a, (await gql(t.url, LAUNCH, { input: { modelName: 'reference', task: 'RECOMMENDATION', datasetId: dataset, hyperparameters } }, { token: a.token })).data!.launchRun.run.id, (r) => r.status === 'SUCCEEDED' || r.status === 'FAILED');
    expect(reference.status).toBe('SUCCEEDED');

    const launchedAt = Date.now();
    const id = (await gql(t.url, LAUNCH, { input: { modelName: 'crashy', task: 'RECOMMENDATION', datasetId: dataset, hyperparameters } }, { token: a.token })).data!.launchRun.run.id;
    const running = await waitFor(t, a, id, (r) => r.checkpoints.length >= 1 || r.status !== 'RUNNING' && r.status !== 'PROVISIONING' && r.status !== 'QUEUED');
    expect(running.status).toBe('RUNNING');
    const pid = trainerPid(Buffer.from(id, 'base64').toString().split(':')[1]);
    expect(pid).not.toBeNull();
    process.kill(pid!, 'SIGKILL');

    const run = await waitFor(t, a, id, (r) => r.status === 'SUCCEEDED' || r.status === 'FAILED');
    const wallSeconds = (Date.now() - launchedAt) / 1000;
    expect({ status: run.status, attempt: run.attempt }).toEqual({ status: 'SUCCEEDED', attempt: 2 });
    const messages = run.events.nodes.map((e: { message: string }) => e.message);
    expect(messages.some((m: string) => /^attempt 1 lost: the trainer was killed/.test(m))).toBe(true);
    // Resumed, not restarted: the final model is exactly the uninterrupted one.
    expect(run.evaluation.metrics).toEqual(reference.evaluation.metrics);
    // One GPU, attempts never overlap: GPU-seconds cannot exceed the wall time the run existed.
    expect(run.gpuSeconds).toBeGreaterThan(0);
    expect(run.gpuSeconds).toBeLessThanOrEqual(wallSeconds);

    // Side by side: the same test RMSE, each below its baseline; the best checkpoint by validation RMSE exists.
    const compared = (await gql(t.url, `query($ids: [ID!]!) { compareRuns(ids: $ids, metric: "rmse") { run { id } test baseline bestValidation rank } }`, { ids: [reference.id, id] }, { token: a.token })).data!.compareRuns;
    expect(compared.map((c: { test: number }) => c.test)).toEqual([reference.evaluation.metrics.rmse, run.evaluation.metrics.rmse]);
    for (const c of compared) expect(c.test).toBeLessThan(c.baseline);
    expect(compared.map((c: { rank: number }) => c.rank).sort()).toEqual([1, 2]);
    const best = (await gql(t.url, `query($id: ID!) { run(id: $id) { bestCheckpoint(metric: "rmse") { name epoch } } }`, { id }, { token: a.token })).data!.run.bestCheckpoint;
    expect(best.epoch).toBeGreaterThanOrEqual(1);
    expect(best.name).toMatch(/^checkpoints\/epoch-/);
  }, 240_000);

  it('cancels a running run: the worker stops and GPU time stops counting', async () => {
    const id = (await gql(t.url, LAUNCH, { input: { modelName: 'long', task: 'RECOMMENDATION', datasetId: dataset, hyperparameters: { epochs: 200 } } }, { token: a.token })).data!.launchRun.run.id;
    await waitFor(t, a, id, (r) => r.status === 'RUNNING');
    const res = await gql(t.url, `mutation($id: ID!) { cancelRun(id: $id) { run { status } userErrors { code } } }`, { id }, { token: a.token });
    expect(res.data!.cancelRun.run.status).toBe('CANCELLED');
    const first = (await gql(t.url, RUN, { id }, { token: a.token })).data!.run.gpuSeconds;
    await new Promise((r) => setTimeout(r, 1500));
    const later = (await gql(t.url, RUN, { id }, { token: a.token })).data!.run;
    expect(later.gpuSeconds).toBe(first);
    expect(later.status).toBe('CANCELLED');
  }, 180_000);
});

import { Writable } from 'node:stream';
import pino from 'pino';
import { classificationAnswerMetrics } from '../src/ml/answer-metrics';
import { classificationReport } from '../src/ml/metrics/classification';
import { docOperations } from './doc-operations';
import { FakeOpenAi, keywordLabel } from './fake-openai';
import { createApiKey, gql, startTestApi, TestApi, TestUser, twoTenants } from './helpers';

/**
 * The OpenAI provider end to end: the real server, the real `openai` SDK, pointed by
 * OPENAI_BASE_URL at a local server speaking OpenAI's wire protocol (test/fake-openai.ts).
 * Documented operations (docs/api.md, "OpenAI provider") are sent exactly as written.
 */
const KEY_A = 'sk-test-tenant-a-0123456789abcd';
const KEY_B_WRONG = 'sk-test-tenant-b-not-accepted-wxyz';
const LABELS = ['negative', 'neutral', 'positive'];
const ops = docOperations();
const rowId = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1];
const op = (name: string) => {
  const q = ops.get(name);
  if (!q) throw new Error(`docs/api.md has no operation ${name}`);
  return q;
};

/** 90 short texts; most name their label, some mislead (so the fake's keyword rule scores between 0 and 1). */
function dataset(): { text: string; label: string }[] {
  const rows: { text: string; label: string }[] = [];
  const topics = ['sales', 'margins', 'revenue', 'outlook', 'costs', 'orders'];
  for (let i = 0; i < 90; i++) {
    const label = LABELS[i % 3];
    const topic = topics[i % topics.length];
    const misleading = i % 7 === 0;
    const word = misleading ? LABELS[(i + 1) % 3] : label;
    rows.push({ text: `report ${i}: the ${topic} news was ${word} this quarter`, label });
  }
  return rows;
}

describe('OpenAI provider: keys, zero/few-shot baselines, comparison', () => {
  let t: TestApi;
  let a: TestUser;
  let b: TestUser;
  const fake = new FakeOpenAi();
  const logs: string[] = [];
  const responses: string[] = [];
  const rows = dataset();
  const labelOf = new Map(rows.map((r) => [r.text, r.label]));
  let datasetA: string;
  let testCount: number;
  let zeroShot: string;

  const call = async (query: string, variables: Record<string, unknown>, user: TestUser) => {
    const res = await gql(t.url, query, variables, { token: user.token });
    responses.push(JSON.stringify(res));
    return res;
  };
  const ok = async (query: string, variables: Record<string, unknown>, user: TestUser) => {
    const res = await call(query, variables, user);
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const finished = async (id: string, user: TestUser) => {
    for (let i = 0; i < 200; i++) {
      const baseline = (await ok(op('Baseline'), { id }, user)).baseline;
      if (baseline.status !== 'RUNNING') return baseline;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('baseline did not finish');
  };
  const upload = async (user: TestUser, body: string) => {
    const res = await call(`mutation($input: CreateDatasetUploadInput!) { createDatasetUpload(input: $input) { upload { url } dataset { id } } }`, {
      input: { name: 'sentiment', task: 'CLASSIFICATION', format: 'JSONL', options: { splits: { train: 0.6, validation: 0.1, test: 0.3 } } },
    }, user);
    const p = res.data!.createDatasetUpload;
    const put = await fetch(p.upload.url, { method: 'PUT', body });
    expect(((await put.json()) as { dataset: { status: string } }).dataset.status).toBe('READY');
    return p.dataset.id as string;
  };

  beforeAll(async () => {
    await fake.start();
    fake.keys.add(KEY_A);
    const sink = new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
    t = await startTestApi({
      OPENAI_BASE_URL: fake.url,
      OPENAI_MAX_RETRIES: '2',
      OPENAI_CONCURRENCY: '3',
      SECRETS_KEY: 'a-test-secrets-key-that-is-long-enough-0123',
      DISPATCHER_ENABLED: 'true',
      RUN_HEARTBEAT_SECONDS: '0.5',
      // This server's reaper sees every test file's runs (one database): never reap theirs under load.
      RUN_HEARTBEAT_TIMEOUT_SECONDS: '3600',
      RUN_PROVISIONING_TIMEOUT_SECONDS: '3600',
    }, pino({ level: 'trace' }, sink));
    [a, b] = await twoTenants(t.url);
    datasetA = await upload(a, rows.map((r) => JSON.stringify(r)).join('\n'));
    testCount = (await ok(`query($id: ID!) { dataset(id: $id) { splits { test } } }`, { id: datasetA }, a)).dataset.splits.test;
    expect(testCount).toBeGreaterThan(10);
  });

  afterAll(async () => {
    await t?.stop();
    await fake.stop();
  });

  it('fails a baseline whose server stopped mid-evaluation (lease expired), never a live one', async () => {
    const insert = async (leaseSeconds: number) => {
      const [row]: { id: string }[] = await t.api.database.dataSource.query(
        `INSERT INTO baselines (tenant_id, dataset_id, dataset_sha256, task, provider, model, shots, seed, system_prompt, status, prompt_tokens, completion_tokens, lease_until)
         VALUES ($1, $2, 'x', 'CLASSIFICATION', 'openai', 'gpt-4o-mini', 0, 42, 'p', 'RUNNING', 0, 0, now() + make_interval(secs => $3)) RETURNING id`,
        [rowId(a.tenantId), rowId(datasetA), leaseSeconds],
      );
      return Buffer.from(`Baseline:${row.id}`).toString('base64');
    };
    const [orphan, live] = [await insert(-5), await insert(60)];
    expect(await t.api.services.baselines.sweepInterrupted()).toBeGreaterThanOrEqual(1);
    const read = async (id: string) => (await ok(`query($id: ID!) { baseline(id: $id) { status error { code message } } }`, { id }, a)).baseline;
    expect(await read(orphan)).toEqual({ status: 'FAILED', error: { code: 'INTERRUPTED', message: expect.stringContaining('evaluate it again') } });
    expect(await read(live)).toMatchObject({ status: 'RUNNING', error: null });
    await t.api.database.dataSource.query(`DELETE FROM baselines WHERE id = ANY($1::uuid[])`, [[orphan, live].map(rowId)]);
  });

  it('refuses baselines until the tenant (or the platform) has a key', async () => {
    const res = (await ok(op('EvaluateBaseline'), { input: { datasetId: datasetA, model: 'gpt-4o-mini' } }, a)).evaluateBaseline;
    expect(res.userErrors).toEqual([expect.objectContaining({ code: 'OPENAI_NOT_CONFIGURED' })]);
    expect((await ok(op('OpenAiSettings'), {}, a)).openAiSettings).toEqual({ apiKeySource: 'NONE', apiKeyLast4: null });
  });

  it('stores an admin\'s key sealed, says only its last 4 characters, and needs the admin scope', async () => {
    const set = (await ok(op('SetOpenAiApiKey'), { input: { apiKey: KEY_A } }, a)).setOpenAiApiKey;
    expect(set.userErrors).toEqual([]);
    expect(set.settings).toMatchObject({ apiKeySource: 'TENANT', apiKeyLast4: 'abcd' });
    expect((await ok(op('OpenAiSettings'), {}, a)).openAiSettings).toEqual({ apiKeySource: 'TENANT', apiKeyLast4: 'abcd' });
    expect((await ok(op('OpenAiSettings'), {}, b)).openAiSettings).toEqual({ apiKeySource: 'NONE', apiKeyLast4: null });

    const [row]: { ciphertext: string; last4: string }[] = await t.api.database.dataSource.query(`SELECT ciphertext, last4 FROM provider_credentials WHERE tenant_id = $1`, [rowId(a.tenantId)]);
    expect(row.last4).toBe('abcd');
    expect(row.ciphertext).toMatch(/^v1\./);
    for (const form of [KEY_A, KEY_A.slice(3, -4), Buffer.from(KEY_A).toString('base64'), Buffer.from(KEY_A).toString('base64url'), Buffer.from(KEY_A).toString('hex')]) expect(row.ciphertext).not.toContain(form);

    const appKey = await createApiKey(t.url, a.token, ['runs:write', 'runs:read']);
    const denied = await gql(t.url, op('SetOpenAiApiKey'), { input: { apiKey: 'sk-someone-else-1234' } }, { token: appKey.secret });
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('scores a zero-shot baseline on the whole test split with our metric functions', async () => {
    const before = fake.chats().length;
    const started = (await ok(op('EvaluateBaseline'), { input: { datasetId: datasetA, model: 'gpt-4o-mini', shots: 0 } }, a)).evaluateBaseline;
    expect(started.userErrors).toEqual([]);
    expect(started.baseline).toMatchObject({ status: 'RUNNING', model: 'gpt-4o-mini', shots: 0, sampleSize: null });
    expect(started.baseline.systemPrompt).toContain('Labels: negative, neutral, positive');
    zeroShot = started.baseline.id;
    const done = await finished(zeroShot, a);
    expect(done.error).toBeNull();
    expect(done.status).toBe('SUCCEEDED');

    const asked = fake.chats().slice(before);
    expect(asked).toHaveLength(testCount);
    expect(done.rowsEvaluated).toBe(testCount);
    for (const r of asked) {
      expect(r.apiKey).toBe(KEY_A);
      expect(r.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0, seed: 0 });
      expect(r.body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
    }
    // Expected: the fake's rule on exactly the test rows it was asked about, scored by hand and by our metric functions.
    const testRows = asked.map((r) => ({ text: r.body.messages[1].content as string, label: labelOf.get(r.body.messages[1].content)! }));
    expect(new Set(testRows.map((r) => r.text)).size).toBe(testCount);
    const answers = testRows.map((r) => keywordLabel(r.text, LABELS));
    const accuracy = answers.filter((x, i) => x === testRows[i].label).length / testRows.length;
    expect(accuracy).toBeGreaterThan(0.5);
    expect(accuracy).toBeLessThan(1);
    expect(done.evaluation.metrics.accuracy).toBeCloseTo(accuracy, 12);
    const index = (l: string) => LABELS.indexOf(l);
    expect(done.evaluation.metrics.macroF1).toBeCloseTo(classificationReport(testRows.map((r) => index(r.label)), answers.map(index), LABELS).macroF1, 12);
    expect(done.evaluation.metrics).toEqual(classificationAnswerMetrics(testRows, answers, LABELS).metrics);
    expect(done.evaluation.split).toBe('test');
    expect(done.evaluation.baseline.accuracy).toBeGreaterThan(0); // majority class on the same rows

    // Tokens: as the fake counted them, and in the usage ledger.
    const tokens = asked.reduce((n, r) => n + r.body.messages.reduce((k: number, m: { content: string }) => k + m.content.split(/\s+/).length + 4, 0), 0);
    expect(done.promptTokens).toBe(tokens);
    const [ledger]: { quantity: number }[] = await t.api.database.dataSource.query(`SELECT quantity FROM usage_records WHERE tenant_id = $1 AND meter = 'openai_inference_tokens' AND idempotency_key = $2`, [rowId(a.tenantId), `baseline:${rowId(zeroShot)}:openai_inference_tokens`]);
    expect(Number(ledger.quantity)).toBe(done.promptTokens + done.completionTokens);
  });

  it('puts the same k training examples before every input of a few-shot baseline', async () => {
    const before = fake.chats().length;
    const started = (await ok(op('EvaluateBaseline'), { input: { datasetId: datasetA, model: 'gpt-4o-mini', shots: 3, seed: 7 } }, a)).evaluateBaseline;
    const done = await finished(started.baseline.id, a);
    expect(done.status).toBe('SUCCEEDED');
    const asked = fake.chats().slice(before);
    expect(asked).toHaveLength(testCount);
    const testTexts = new Set(asked.map((r) => r.body.messages.at(-1).content));
    const shots = asked[0].body.messages.slice(1, 7);
    expect(shots.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
    for (let i = 0; i < 6; i += 2) {
      expect(labelOf.get(shots[i].content)).toBe(shots[i + 1].content); // a real row, with its label
      expect(testTexts.has(shots[i].content)).toBe(false); // from the train split, never a test row
    }
    for (const r of asked) expect(r.body.messages.slice(1, 7)).toEqual(shots);
    // Same rows, same answers (the fake only reads the input): the same metrics as zero-shot.
    const zero = (await ok(op('Baseline'), { id: zeroShot }, a)).baseline;
    expect(done.evaluation.metrics).toEqual(zero.evaluation.metrics);
    const list = (await ok(op('Baselines'), { datasetId: datasetA }, a)).baselines;
    expect(list.map((x: { shots: number }) => x.shots)).toEqual([0, 3]);
  });

  it('waits out a 429 storm as retry-after says, and fails with OpenAI\'s error after repeated 500s', async () => {
    const before = fake.requests.length;
    fake.failNext(2, 429, { 'retry-after': '1' });
    const limited = (await ok(op('EvaluateBaseline'), { input: { datasetId: datasetA, model: 'gpt-4o-mini', sampleSize: 1, seed: 3 } }, a)).evaluateBaseline;
    const done = await finished(limited.baseline.id, a);
    expect(done).toMatchObject({ status: 'SUCCEEDED', rowsEvaluated: 1 });
    const seen = fake.requests.slice(before);
    expect(seen.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(950);
    expect(seen[2].at - seen[1].at).toBeGreaterThanOrEqual(950);

    fake.failNext(10, 500);
    const broken = (await ok(op('EvaluateBaseline'), { input: { datasetId: datasetA, model: 'gpt-4o-mini', sampleSize: 1 } }, a)).evaluateBaseline;
    const failed = await finished(broken.baseline.id, a);
    fake.clearFailures();
    expect(failed.status).toBe('FAILED');
    expect(failed.error.code).toBe('OPENAI_500');
    expect(failed.error.message).toContain('The server had an error');
    expect(fake.requests.slice(before + 3).filter((r) => r.status === 500)).toHaveLength(3); // 1 + OPENAI_MAX_RETRIES
  });

  it('validates before calling anyone', async () => {
    const res = (await ok(op('EvaluateBaseline'), { input: { datasetId: datasetA, model: 'gpt-4o-mini', shots: 9, sampleSize: 0 } }, a)).evaluateBaseline;
    expect(res.userErrors.map((e: { field: string[] }) => e.field.join('.'))).toEqual(['input.shots', 'input.sampleSize']);
  });

  it('keeps tenants apart, and masks a rejected key in the error', async () => {
    const zeroId = zeroShot;
    const foreign = await call(op('Baseline'), { id: zeroId }, b);
    expect(foreign.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await call(`query($id: ID!) { node(id: $id) { id } }`, { id: zeroId }, b)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await call(op('Baselines'), { datasetId: datasetA }, b)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await call(op('CompareOnDataset'), { datasetId: datasetA }, b)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    // A's key is never used for B: B has none.
    const onA = (await ok(op('EvaluateBaseline'), { input: { datasetId: datasetA, model: 'gpt-4o-mini' } }, b)).evaluateBaseline;
    expect(onA.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'datasetId'] })]);

    await ok(op('SetOpenAiApiKey'), { input: { apiKey: KEY_B_WRONG } }, b);
    const datasetB = await upload(b, rows.slice(0, 40).map((r) => JSON.stringify(r)).join('\n'));
    const started = (await ok(op('EvaluateBaseline'), { input: { datasetId: datasetB, model: 'gpt-4o-mini', sampleSize: 2 } }, b)).evaluateBaseline;
    const failed = await finished(started.baseline.id, b);
    expect(failed.status).toBe('FAILED');
    expect(failed.error.code).toBe('OPENAI_401');
    expect(failed.error.message).toContain('invalid_api_key');
    expect(failed.error.message).not.toContain('wxyz');
    expect(fake.requests.filter((r) => r.apiKey === KEY_B_WRONG).length).toBeGreaterThan(0);
    const removed = (await ok(op('SetOpenAiApiKey'), { input: { apiKey: null } }, b)).setOpenAiApiKey;
    expect(removed.settings).toMatchObject({ apiKeySource: 'NONE', apiKeyLast4: null });
  });

  it('compares a locally trained version with the baselines on the same test rows', async () => {
    const launched = (await ok(`mutation($input: LaunchRunInput!) { launchRun(input: $input) { run { id } userErrors { message } } }`, {
      input: { modelName: 'sentiment-local', task: 'CLASSIFICATION', datasetId: datasetA, hyperparameters: { epochs: 2 } },
    }, a)).launchRun;
    expect(launched.userErrors).toEqual([]);
    let version: { id: string; version: number } | null = null;
    for (let i = 0; i < 600 && !version; i++) {
      const run = (await ok(`query($id: ID!) { run(id: $id) { status error { message } modelVersion { id version evaluation { metrics } } } }`, { id: launched.run.id }, a)).run;
      if (run.status === 'FAILED' || run.status === 'CANCELLED') throw new Error(JSON.stringify(run.error));
      if (run.status === 'SUCCEEDED') version = run.modelVersion;
      else await new Promise((r) => setTimeout(r, 100));
    }
    const compared = (await ok(op('CompareOnDataset'), { datasetId: datasetA }, a)).compareOnDataset;
    expect(compared.metric).toBe('accuracy');
    const kinds = compared.contenders.map((c: { kind: string; label: string; sameRows: boolean; rank: number | null }) => [c.kind, c.label, c.sameRows, c.rank === null]);
    expect(kinds).toEqual([
      ['MODEL_VERSION', 'sentiment-local v1', true, false],
      ['BASELINE', 'gpt-4o-mini, 0-shot', true, false],
      ['BASELINE', 'gpt-4o-mini, 3-shot', true, false],
      ['BASELINE', 'gpt-4o-mini, 0-shot', false, true], // the 1-row sample is listed, not ranked
    ]);
    expect(compared.contenders[0].modelVersion.id).toBe(version!.id);
    const ranks = compared.contenders.filter((c: { sameRows: boolean }) => c.sameRows).map((c: { rank: number }) => c.rank).sort();
    expect(ranks).toEqual([1, 2, 3]);
  });

  it('never returns or logs a tenant\'s key', async () => {
    await t.api.services.baselines.drain();
    expect(logs.length).toBeGreaterThan(0);
    const logText = logs.join('');
    const responseText = responses.join('');
    for (const key of [KEY_A, KEY_B_WRONG]) {
      expect(logText).not.toContain(key);
      expect(responseText).not.toContain(key);
      expect(logText).not.toContain(key.slice(-12));
    }
    expect(logText).toContain('baseline evaluation failed'); // the failures above were logged, without the key
  });
});

import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { translationAnswerMetrics } from '../src/ml/answer-metrics';
import { docOperations } from './doc-operations';
import { ChatMessage, FakeOpenAi } from './fake-openai';
import { gql, startTestApi, TestApi, TestUser, twoTenants } from './helpers';

/**
 * OpenAI fine-tuning runs end to end: the real server and GraphQL API, the real `openai` SDK,
 * pointed at test/fake-openai.ts (files, fine-tuning jobs with scripted progress, chat
 * completions). Documented operations (docs/api.md, "Fine-tuning an OpenAI model") run as written.
 */
const KEY_A = 'sk-test-finetune-tenant-a-0123456789wxyz';
const KEY_B = 'sk-test-finetune-tenant-b-9876543210qrst';
const ops = docOperations();
const op = (name: string) => {
  const q = ops.get(name);
  if (!q) throw new Error(`docs/api.md has no operation ${name}`);
  return q;
};
const rowId = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 60 pairs; the target is the source in capitals, which the fake's fine-tuned models "learned". */
const PAIRS = Array.from({ length: 60 }, (_, i) => ({ source: `the order number ${i} ships on day ${i % 7} to the warehouse`, target: `THE ORDER NUMBER ${i} SHIPS ON DAY ${i % 7} TO THE WAREHOUSE` }));
const lastUser = (messages: ChatMessage[]) => messages.at(-1)!.content;

describe('OpenAI fine-tuning runs', () => {
  const fake = new FakeOpenAi();
  const logs: string[] = [];
  const responses: string[] = [];
  const queue = `test-openai-ft-${crypto.randomUUID().slice(0, 8)}`;
  const env = {
    OPENAI_MAX_RETRIES: '2',
    OPENAI_CONCURRENCY: '3',
    OPENAI_POLL_INTERVAL_MS: '100',
    OPENAI_MAX_EXAMPLE_TOKENS: '200',
    SECRETS_KEY: 'a-test-secrets-key-that-is-long-enough-0123',
    DISPATCHER_ENABLED: 'true',
    RUN_QUEUE: queue,
    RUN_HEARTBEAT_TIMEOUT_SECONDS: '3600',
    RUN_PROVISIONING_TIMEOUT_SECONDS: '3600',
  };
  const sink = new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
  let t: TestApi;
  let a: TestUser;
  let b: TestUser;
  let datasetA: string;

  const call = async (query: string, variables: Record<string, unknown>, user: TestUser, url = t.url) => {
    const res = await gql(url, query, variables, { token: user.token });
    responses.push(JSON.stringify(res));
    return res;
  };
  const ok = async (query: string, variables: Record<string, unknown>, user: TestUser, url = t.url) => {
    const res = await call(query, variables, user, url);
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const upload = async (user: TestUser, task: string, format: string, body: string) => {
    const res = await call(`mutation($input: CreateDatasetUploadInput!) { createDatasetUpload(input: $input) { upload { url } dataset { id } } }`, {
      input: { name: `ft-${task.toLowerCase()}`, task, format, options: task === 'RECOMMENDATION' ? undefined : { splits: { train: 0.6, validation: 0.2, test: 0.2 } } },
    }, user);
    const p = res.data!.createDatasetUpload;
    const put = await fetch(p.upload.url, { method: 'PUT', body });
    expect(((await put.json()) as { dataset: { status: string } }).dataset.status).toBe('READY');
    return p.dataset.id as string;
  };
  const launch = async (input: Record<string, unknown>, user = a, url = t.url) =>
    (await ok(op('LaunchOpenAiRun'), { input: { task: 'TRANSLATION', datasetId: datasetA, provider: 'OPENAI', baseModel: 'gpt-4o-mini-2024-07-18', ...input } }, user, url)).launchRun;
  /** Polls the run (as documented) until `done(run)`; returns every status seen and the last run. */
  const follow = async (id: string, done: (run: any) => boolean, url = t.url, user = a) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const seen: string[] = [];
    for (let i = 0; i < 600; i++) {
      const run = (await ok(op('OpenAiRun'), { id }, user, url)).run;
      if (seen.at(-1) !== run.status) seen.push(run.status);
      if (done(run)) return { run, seen };
      await sleep(50);
    }
    throw new Error(`run ${id} never got there (saw ${seen.join(' → ')})`);
  };
  const jobOf = (jobId: string) => fake.jobs.get(jobId)!;

  beforeAll(async () => {
    await fake.start();
    fake.keys.add(KEY_A);
    fake.keys.add(KEY_B);
    // Fine-tuned models answer in capitals (what the rows taught them); base models echo the input.
    fake.answer = (model, messages) => (model.startsWith('ft:') ? lastUser(messages).toUpperCase() : lastUser(messages));
    t = await startTestApi({ ...env, OPENAI_BASE_URL: fake.url }, pino({ level: 'trace' }, sink));
    [a, b] = await twoTenants(t.url);
    await ok(op('SetOpenAiApiKey'), { input: { apiKey: KEY_A } }, a);
    await ok(op('SetOpenAiApiKey'), { input: { apiKey: KEY_B } }, b);
    datasetA = await upload(a, 'TRANSLATION', 'JSONL', PAIRS.map((p) => JSON.stringify(p)).join('\n'));
  });

  afterAll(async () => {
    await t?.stop();
    await fake.stop();
  });

  let versionId: string;
  let runId: string;
  let jobId: string;

  it('uploads chat JSONL, follows the job through queued and running with events and metrics, registers an OpenAI version and evaluates it', async () => {
    fake.script = { epochs: 2, stepsPerEpoch: 3, stepsPerRetrieve: 2 };
    const filesBefore = fake.files.size;
    const launched = await launch({ modelName: 'orders-en-caps', hyperparameters: { epochs: 2 } });
    expect(launched.userErrors).toEqual([]);
    expect(launched.run).toMatchObject({ status: 'QUEUED', provider: 'OPENAI' });
    runId = launched.run.id;

    const { run, seen } = await follow(runId, (r) => r.status === 'SUCCEEDED' || r.status === 'FAILED');
    expect(run.error).toBeNull();
    expect(seen[0]).toBe('QUEUED');
    expect(seen.at(-1)).toBe('SUCCEEDED');
    jobId = run.providerJobId;
    expect(jobId).toMatch(/^ftjob-/);

    // Every status on the way, in order, as the run's own events say.
    const transitions = (await ok(`query($id: ID!) { run(id: $id) { events(first: 100) { nodes { message data } } } }`, { id: runId }, a)).run.events.nodes
      .filter((e: { data: { to?: string } | null }) => e.data?.to).map((e: { data: { to: string } }) => e.data.to);
    expect(transitions).toEqual(['PROVISIONING', 'RUNNING', 'SUCCEEDED']);

    // Uploads: train and validation, purpose fine-tune, chat format with the task prompt.
    const uploads = fake.uploads().slice(filesBefore);
    expect(uploads.map((u) => u.file.purpose)).toEqual(['fine-tune', 'fine-tune']);
    const [train, validation] = uploads;
    expect(train.file.filename).toContain('-train.jsonl');
    for (const line of [...train.lines, ...validation.lines]) {
      expect(line.messages.map((m: ChatMessage) => m.role)).toEqual(['system', 'user', 'assistant']);
      expect(line.messages[0].content).toMatch(/^Translate the text/);
      expect(line.messages[2].content).toBe(line.messages[1].content.toUpperCase());
    }
    const counts = (await ok(`query($id: ID!) { dataset(id: $id) { splits { train validation test } } }`, { id: datasetA }, a)).dataset.splits;
    expect([train.lines.length, validation.lines.length]).toEqual([counts.train, counts.validation]);

    // The job as created: supervised method with our hyperparameters mapped, seed, short suffix.
    const job = jobOf(jobId).job;
    expect(job).toMatchObject({ model: 'gpt-4o-mini-2024-07-18', training_file: train.file.id, validation_file: validation.file.id, seed: 42 });
    expect(job.method).toEqual({ type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, batch_size: 'auto', learning_rate_multiplier: 'auto' } } });
    expect(job.suffix.length).toBeLessThanOrEqual(64);
    expect(job.suffix).toBe(`tf-${rowId(runId).replace(/-/g, '').slice(0, 12)}`);
    expect(job.metadata).toEqual({ tuneforge_run_id: rowId(runId) });

    // OpenAI's events mirrored once each, metrics as our series, checkpoints as checkpoints.
    const messages: string[] = run.events.nodes.map((e: { message: string }) => e.message);
    for (const e of jobOf(jobId).events.filter((x) => x.type === 'message')) expect(messages.filter((m) => m === `OpenAI: ${e.message}`)).toHaveLength(1);
    const series = Object.fromEntries(run.metrics.map((s: { name: string; split: string; points: unknown[] }) => [`${s.name}/${s.split}`, s.points]));
    expect(series['loss/train']).toEqual([1, 2, 3, 4, 5, 6].map((step) => ({ step, epoch: step <= 3 ? 0 : 1, value: 2 / step })));
    expect(series['loss/validation']).toHaveLength(6);
    expect(series['token_accuracy/train']).toHaveLength(6);
    expect(run.checkpoints.map((c: { step: number }) => c.step)).toEqual([3, 6]);
    expect(run.progress).toMatchObject({ step: 6, totalSteps: 6, totalEpochs: 2 });

    // The version: hosted by OpenAI, no artifact, evaluated by us on the test split with the fine-tuned model.
    expect(run.modelVersion).toMatchObject({ version: 1, provider: 'OPENAI', providerModel: job.fine_tuned_model });
    versionId = run.modelVersion.id;
    const asked = fake.chats().filter((c) => c.body.model === job.fine_tuned_model);
    expect(asked).toHaveLength(counts.test);
    const testRows = asked.map((c) => PAIRS.find((p) => p.source === lastUser(c.body.messages))!);
    expect(asked[0].body.messages[0].content).toBe(train.lines[0].messages[0].content);
    expect(run.evaluation.split).toBe('test');
    expect(run.evaluation.metrics).toEqual(translationAnswerMetrics(testRows, testRows.map((r) => r.source.toUpperCase())).metrics);
    expect(run.evaluation.metrics.bleu).toBeGreaterThan(run.evaluation.baseline.bleu);

    // The uploaded copies of the tenant's rows do not outlive the run at OpenAI.
    for (let i = 0; i < 100 && !fake.deletedFiles.includes(validation.file.id); i++) await new Promise((r) => setTimeout(r, 50));
    expect(fake.deletedFiles).toEqual(expect.arrayContaining([train.file.id, validation.file.id]));
    const ended = (await ok(`query($id: ID!) { run(id: $id) { events(first: 100) { nodes { message } } } }`, { id: runId }, a)).run.events.nodes.map((e: { message: string }) => e.message);
    expect(ended).toContain('deleted the 2 uploaded files at OpenAI');

    // On the dataset's page, the OpenAI version stands with the other contenders on the same test rows.
    const compared = (await ok(`query($id: ID!) { compareOnDataset(datasetId: $id, metric: "bleu") { contenders { kind label value rank sameRows modelVersion { id } } } }`, { id: datasetA }, a)).compareOnDataset;
    const mine = compared.contenders.find((c: { modelVersion: { id: string } | null }) => c.modelVersion?.id === versionId);
    expect(mine).toMatchObject({ kind: 'MODEL_VERSION', label: 'orders-en-caps v1', sameRows: true, value: run.evaluation.metrics.bleu, rank: expect.any(Number) });
  });

  it('answers translate through chat completions on the fine-tuned model, and meters both OpenAI token meters', async () => {
    const model = jobOf(jobId).job.fine_tuned_model;
    const before = fake.chats().length;
    const res = (await ok(op('TranslateWithOpenAiVersion'), { model: { versionId }, texts: ['good morning', 'see you soon'] }, a)).translate;
    expect(res.translations).toEqual(['GOOD MORNING', 'SEE YOU SOON']);
    expect(res.modelVersion).toEqual({ version: 1, provider: 'OPENAI', providerModel: model });
    const asked = fake.chats().slice(before);
    expect(asked.map((c) => c.body.model)).toEqual([model, model]);
    expect(asked[0].body.messages.map((m: ChatMessage) => m.role)).toEqual(['system', 'user']);
    expect(asked.every((c) => c.apiKey === KEY_A)).toBe(true);
    // By name, as any model.
    expect((await ok(op('TranslateWithOpenAiVersion'), { model: { name: 'orders-en-caps' }, texts: ['hi'] }, a)).translate.translations).toEqual(['HI']);

    const usage = (await ok(op('OpenAiUsage'), {}, a)).usage;
    expect(usage.openaiTrainedTokens).toBe(jobOf(jobId).job.trained_tokens);
    const tokens = fake.chats().filter((c) => c.apiKey === KEY_A && c.body.model === model).reduce((n, c) => {
      const prompt = c.body.messages.reduce((k: number, m: ChatMessage) => k + m.content.split(/\s+/).length + 4, 0);
      return n + prompt + c.body.messages.at(-1).content.toUpperCase().split(/\s+/).length;
    }, 0);
    expect(usage.openaiInferenceTokens).toBe(tokens);
  });

  it('cancels the OpenAI job when the run is cancelled', async () => {
    fake.script = { epochs: 50, stepsPerEpoch: 10, stepsPerRetrieve: 1 };
    const launched = await launch({ modelName: 'orders-cancelled' });
    const { run } = await follow(launched.run.id, (r) => r.status === 'RUNNING');
    const cancelled = (await ok(`mutation($id: ID!) { cancelRun(id: $id) { run { id status } userErrors { message } } }`, { id: run.id }, a)).cancelRun;
    expect(cancelled).toEqual({ run: { id: run.id, status: 'CANCELLED' }, userErrors: [] });
    expect(jobOf(run.providerJobId).job.status).toBe('cancelled');
    expect(fake.requests.some((r) => r.method === 'POST' && r.path === `/v1/fine_tuning/jobs/${run.providerJobId}/cancel` && r.status === 200)).toBe(true);
    // Its uploaded files are deleted once OpenAI confirmed; then it is no longer followed.
    const job = jobOf(run.providerJobId).job;
    for (let i = 0; i < 100 && !fake.deletedFiles.includes(job.training_file); i++) await sleep(50);
    expect(fake.deletedFiles).toContain(job.training_file);
    await sleep(400);
    const retrieves = fake.requests.filter((r) => r.path === `/v1/fine_tuning/jobs/${run.providerJobId}` && r.method === 'GET').length;
    await sleep(400);
    expect(fake.requests.filter((r) => r.path === `/v1/fine_tuning/jobs/${run.providerJobId}` && r.method === 'GET').length).toBe(retrieves);
    expect((await ok(op('OpenAiRun'), { id: run.id }, a)).run.modelVersion).toBeNull();
  });

  it('fails the run with OpenAI\'s error code and message when OpenAI fails the job', async () => {
    fake.script = { epochs: 2, stepsPerEpoch: 3, stepsPerRetrieve: 1, failAtStep: 2, error: { code: 'invalid_training_file', message: 'The job failed: training file has 3 examples with invalid roles.', param: 'training_file' } };
    const launched = await launch({ modelName: 'orders-failed' });
    const { run } = await follow(launched.run.id, (r) => r.status === 'FAILED' || r.status === 'SUCCEEDED');
    expect(run.status).toBe('FAILED');
    expect(run.error).toEqual({ code: 'invalid_training_file', message: 'The job failed: training file has 3 examples with invalid roles.' });
    expect(run.modelVersion).toBeNull();
    expect(run.events.nodes.map((e: { message: string }) => e.message)).toContain('OpenAI: Job failed: The job failed: training file has 3 examples with invalid roles.');
  });

  it('rides out a 429 storm: the client honours retry-after, the follower retries what still fails', async () => {
    fake.script = { epochs: 1, stepsPerEpoch: 8, stepsPerRetrieve: 1 };
    const launched = await launch({ modelName: 'orders-429' });
    const before = fake.requests.length;
    fake.failNext(2, 429, { 'retry-after': '1' });
    await follow(launched.run.id, (r) => r.status === 'RUNNING');
    // More than the client retries: whole calls fail, and the follower tries again on its next round.
    fake.failNext(8, 429, { 'retry-after-ms': '20' });
    const { run } = await follow(launched.run.id, (r) => r.status === 'SUCCEEDED' || r.status === 'FAILED');
    fake.clearFailures();
    expect(run.status).toBe('SUCCEEDED');
    const seen = fake.requests.slice(before);
    const first = seen.findIndex((r) => r.status === 429);
    expect(seen[first + 1].status).toBe(429);
    expect(seen[first + 1].at - seen[first].at).toBeGreaterThanOrEqual(950);
    expect(seen[first + 2].at - seen[first + 1].at).toBeGreaterThanOrEqual(950);
    expect(seen.filter((r) => r.status === 429)).toHaveLength(10);
    expect(run.events.nodes.some((e: { message: string }) => /^OpenAI did not answer \(OpenAI answered 429/.test(e.message))).toBe(true);
  });

  it('refuses invalid rows and recommendation before uploading anything', async () => {
    const filesBefore = fake.files.size;
    const jobsBefore = fake.jobs.size;
    const few = await upload(a, 'TRANSLATION', 'JSONL', PAIRS.slice(0, 8).map((p) => JSON.stringify(p)).join('\n'));
    const tooFew = await launch({ modelName: 'orders-few', datasetId: few });
    expect(tooFew.run).toBeNull();
    expect(tooFew.userErrors).toContainEqual({ field: ['datasetId'], code: 'INVALID_ROW', message: expect.stringMatching(/needs at least 10 training examples \(got \d\)/) });

    const long = 'a very long sentence about the warehouse '.repeat(30);
    const rows = PAIRS.slice(0, 30).map((p, i) => (i % 3 === 0 ? { source: long, target: long.toUpperCase() } : p));
    const withLong = await upload(a, 'TRANSLATION', 'JSONL', rows.map((p) => JSON.stringify(p)).join('\n'));
    const tooLong = await launch({ modelName: 'orders-long', datasetId: withLong });
    expect(tooLong.run).toBeNull();
    const messages = tooLong.userErrors.map((e: { message: string }) => e.message);
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(m).toMatch(/^line (\d+) \((train|validation) split\): the example is about \d+ tokens, over OpenAI's limit of 200 per example$/);
    for (const m of messages) expect(Number(/^line (\d+)/.exec(m)![1]) % 3).toBe(1); // the long rows are lines 1, 4, 7, …

    const ratings = await upload(a, 'RECOMMENDATION', 'CSV', 'user_id,item_id,rating\n' + Array.from({ length: 40 }, (_, i) => `u${i % 5},i${i % 7},${(i % 5) + 1}`).join('\n'));
    const rec = await launch({ modelName: 'recs', task: 'RECOMMENDATION', datasetId: ratings, baseModel: null });
    expect(rec.userErrors).toContainEqual(expect.objectContaining({ field: ['provider'], code: 'BAD_USER_INPUT' }));

    const badHp = await launch({ modelName: 'orders-hp', hyperparameters: { epochs: 0, dropout: 0.1 } });
    expect(badHp.userErrors.map((e: { field: string[] }) => e.field.join('.'))).toEqual(['hyperparameters.epochs', 'hyperparameters.dropout']);

    expect(fake.files.size).toBe(filesBefore);
    expect(fake.jobs.size).toBe(jobsBefore);
  });

  it('keeps another tenant away from the run and the version', async () => {
    const foreignRun = await call(op('OpenAiRun'), { id: runId }, b);
    expect(foreignRun.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await call(`query($id: ID!) { node(id: $id) { id } }`, { id: versionId }, b)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const invoke = await call(op('TranslateWithOpenAiVersion'), { model: { versionId }, texts: ['hi'] }, b);
    expect(invoke.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const cancel = (await ok(`mutation($id: ID!) { cancelRun(id: $id) { run { id } userErrors { code } } }`, { id: runId }, b)).cancelRun;
    expect(cancel).toEqual({ run: null, userErrors: [{ code: 'NOT_FOUND' }] });
    expect((await ok(op('OpenAiUsage'), {}, b)).usage).toMatchObject({ openaiTrainedTokens: 0, openaiInferenceTokens: 0 });
    // B's launch uses B's key, never A's.
    const datasetB = await upload(b, 'TRANSLATION', 'JSONL', PAIRS.map((p) => JSON.stringify(p)).join('\n'));
    fake.script = { epochs: 1, stepsPerEpoch: 2, stepsPerRetrieve: 2 };
    const launched = await launch({ modelName: 'b-model', datasetId: datasetB }, b);
    const { run } = await follow(launched.run.id, (r) => r.status === 'SUCCEEDED' || r.status === 'FAILED', t.url, b);
    expect(run.status).toBe('SUCCEEDED');
    expect(jobOf(run.providerJobId).apiKey).toBe(KEY_B);
    expect(fake.requests.filter((r) => r.path.includes(run.providerJobId)).every((r) => r.apiKey === KEY_B)).toBe(true);
  });

  it('carries on after a server restart: a new server on the same database finishes the run', async () => {
    fake.script = { epochs: 2, stepsPerEpoch: 4, stepsPerRetrieve: 1 };
    const restartQueue = `test-openai-restart-${crypto.randomUUID().slice(0, 8)}`;
    const first = await startTestApi({ ...env, RUN_QUEUE: restartQueue, OPENAI_BASE_URL: fake.url }, pino({ level: 'trace' }, sink));
    const launched = await launch({ modelName: 'orders-restart' }, a, first.url);
    const { run } = await follow(launched.run.id, (r) => r.status === 'RUNNING' && r.metrics.length > 0, first.url);
    await first.stop();
    const stepAtStop = jobOf(run.providerJobId).step;
    await sleep(500);
    expect(jobOf(run.providerJobId).step).toBe(stepAtStop); // nobody follows it now
    expect(stepAtStop).toBeLessThan(8);

    const second = await startTestApi({ ...env, RUN_QUEUE: restartQueue, OPENAI_BASE_URL: fake.url }, pino({ level: 'trace' }, sink));
    try {
      const done = await follow(run.id, (r) => r.status === 'SUCCEEDED' || r.status === 'FAILED', second.url);
      expect(done.run.status).toBe('SUCCEEDED');
      expect(done.run.modelVersion).toMatchObject({ provider: 'OPENAI' });
      // Metrics and events from both servers, each once.
      const loss = done.run.metrics.find((s: { name: string; split: string }) => s.name === 'loss' && s.split === 'train');
      expect(loss.points.map((p: { step: number }) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const [{ n }]: { n: number }[] = await t.api.database.dataSource.query(`SELECT count(*)::int AS n FROM run_metrics WHERE run_id = $1 AND name = 'loss' AND split = 'train'`, [rowId(run.id)]);
      expect(n).toBe(8);
      const created = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/fine_tuning/jobs' && r.body?.metadata?.tuneforge_run_id === rowId(run.id));
      expect(created).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('never logs or returns a tenant\'s key', async () => {
    expect(logs.length).toBeGreaterThan(0);
    const logText = logs.join('');
    const responseText = responses.join('');
    for (const key of [KEY_A, KEY_B]) {
      expect(logText).not.toContain(key);
      expect(responseText).not.toContain(key);
      expect(logText).not.toContain(key.slice(-12));
    }
  });
});

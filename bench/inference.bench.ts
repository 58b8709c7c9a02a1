/**
 * bench:inference — `recommend` and `translate` through the real server (its own process, HTTP +
 * GraphQL + Postgres, an API key with `models:invoke`) at 1 and 64 concurrent clients, beside a
 * baseline in the same run: the same artifact loaded in this process with
 * `loadModel(await unpackArtifact(bytes))` and called sequentially (`predictor.recommend(user, 10)`,
 * `predictor.translate([sentence])`), measured before and after the server phases.
 *
 * Setup: a temporary database (bench-database.ts) and DATA_DIR; `dist/src/main.js serve` as a child
 * process; ML-100K `u.data` (all 100,000 ratings) and 2,000 Multi30k de→en pairs uploaded through the
 * upload endpoint and trained through `launchRun` with the local executor.
 *
 * Micro-batch statistics: the server exposes no batch counter, so the child is started with this
 * file preloaded (`node --require dist/bench/inference.bench.js dist/src/main.js serve`,
 * BENCH_INFERENCE_PROBE=1). The preload only wraps `MicroBatcher.prototype.submit` to time each
 * batch that runs, and answers IPC requests for those counters, the process's CPU time and its
 * event-loop utilisation; the server's code is otherwise exactly `main.js serve`.
 *
 * Usage: npm run bench:inference [-- --quick] [--windows 0,5] [--workers 0,1] [--duration 10]
 *   --quick     smaller training sets, fewer requests, 2 s phases (smoke run)
 *   --windows   INFERENCE_BATCH_WINDOW_MS values to compare at 64 clients besides the default 2
 *               (the server is restarted for each; empty string: none)
 *   --workers   INFERENCE_WORKERS values to compare for translate at 64 clients besides the default
 *   --duration  seconds per 64-client phase (default 10; quick 2)
 */
import { ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

// ---------------------------------------------------------------------------------------------
// Server-side probe (only when preloaded into the server child).
// ---------------------------------------------------------------------------------------------

interface BatchCounters {
  /** operation (`recommend`, `translate:1`, …) → batches run, items in them, largest, ms spent running them */
  byOperation: Record<string, { batches: number; items: number; largest: number; runMs: number; sizes: Record<number, number> }>;
}

interface ProbeStats extends BatchCounters {
  cpuMs: number;
  elu: { idle: number; active: number; utilization: number };
  backend: string | null;
  cache: Record<string, number> | null;
}

function installProbe(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { MicroBatcher } = require('../src/inference/micro-batcher') as typeof import('../src/inference/micro-batcher');
  const { ModelCache } = require('../src/inference/model-cache') as typeof import('../src/inference/model-cache');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const counters: BatchCounters = { byOperation: {} };
  const caches = new Set<InstanceType<typeof ModelCache>>();
  type Run = (items: unknown[]) => Promise<Array<unknown>>;
  const proto = MicroBatcher.prototype as unknown as { submit: (key: string, items: unknown[], run: Run) => Promise<unknown[]> };
  const submit = proto.submit;
  proto.submit = function (this: unknown, key: string, items: unknown[], run: Run) {
    const operation = key.slice(key.indexOf(':') + 1);
    const timed: Run = async (batch) => {
      const t0 = performance.now();
      try {
        return await run(batch);
      } finally {
        const c = (counters.byOperation[operation] ??= { batches: 0, items: 0, largest: 0, runMs: 0, sizes: {} });
        c.batches++;
        c.items += batch.length;
        c.largest = Math.max(c.largest, batch.length);
        c.runMs += performance.now() - t0;
        c.sizes[batch.length] = (c.sizes[batch.length] ?? 0) + 1;
      }
    };
    return submit.call(this, key, items, timed);
  };
  const cacheProto = ModelCache.prototype as unknown as { acquire: (...args: unknown[]) => Promise<unknown> };
  const acquire = cacheProto.acquire;
  cacheProto.acquire = function (this: InstanceType<typeof ModelCache>, ...args: unknown[]) {
    caches.add(this);
    return acquire.apply(this, args);
  };
  process.on('message', (msg: { id: number; type: string }) => {
    if (msg?.type !== 'stats') return;
    let backend: string | null = null;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      backend = (require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs')).getBackend() ?? null;
    } catch {
      backend = null;
    }
    const cpu = process.cpuUsage();
    const [cache] = [...caches];
    const stats: ProbeStats = {
      byOperation: JSON.parse(JSON.stringify(counters.byOperation)),
      cpuMs: (cpu.user + cpu.system) / 1000,
      elu: performance.eventLoopUtilization(),
      backend,
      cache: cache ? { ...cache.stats() } : null,
    };
    process.send?.({ id: msg.id, stats });
  });
}

if (require.main !== module && process.env.BENCH_INFERENCE_PROBE === '1') installProbe();

// ---------------------------------------------------------------------------------------------
// The benchmark.
// ---------------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const argValue = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1] ?? '';
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
};
const DURATION_MS = Number(argValue('duration') ?? (quick ? 2 : 10)) * 1000;
const WINDOWS = (argValue('windows') ?? '0,5').split(',').filter((s) => s.trim() !== '').map(Number);
/** INFERENCE_WORKERS values measured for translate at 64 clients besides the default (one per CPU). */
const WORKERS = (argValue('workers') ?? '0,1').split(',').filter((s) => s.trim() !== '').map(Number);
const DEFAULT_WINDOW = 2;
const CLIENTS = 64;
const REC_SEQUENTIAL = quick ? 100 : 500;
const TR_SEQUENTIAL = quick ? 20 : 100;
const TRANSLATION_PAIRS = quick ? 64 : 256;
const REC_EPOCHS = quick ? 1 : 3;
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const DIST = path.resolve(__dirname, '..');
const DATASETS = [process.env.TUNEFORGE_DATASETS, path.resolve(__dirname, '../../../shared/datasets'), path.resolve(__dirname, '../../shared/datasets')].find((p) => p && fs.existsSync(p));

const REC_MODEL = 'ml100k-rec';
const TR_MODEL = 'de-en';
const RECOMMEND = `query Recommend($userId: String!) { recommend(model: {name: "${REC_MODEL}"}, userId: $userId, limit: 10) { coldStart items { itemId score } } }`;
const TRANSLATE = `query Translate($texts: [String!]!) { translate(model: {name: "${TR_MODEL}"}, texts: $texts) { translations } }`;

/**
 * Translation: the architecture this machine's documented model uses (docs/BENCHMARKS.md
 * "Translation"), trained until it reproduces its ~20-word training sentences, so that it decodes
 * outputs of realistic length (a model trained for minutes on more data stops after one step or
 * runs to the length limit, and a decoder's cost is its number of steps).
 */
const TRANSLATION_HP = { epochs: quick ? 8 : 40, batchSize: 32, learningRate: 0.01, warmupSteps: 0, lrSchedule: 'constant', embeddingSize: 128, hiddenSize: 128, sourceVocabSize: 6000, targetVocabSize: 4000, earlyStoppingPatience: 0, seed: 42 };
/** The cheapest authenticated operation: the per-request floor (auth, buckets, GraphQL, HTTP) with no model. */
const FLOOR = `query Floor { __typename }`;

interface Summary {
  requests: number;
  errors: number;
  wallMs: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
}

function summarize(latencies: number[], wallMs: number, errors: number): Summary {
  const s = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : NaN);
  return { requests: s.length, errors, wallMs, rps: (s.length / wallMs) * 1000, p50: q(0.5), p99: q(0.99), mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) };
}

async function gql(url: string, query: string, variables: object, token?: string): Promise<Record<string, any>> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data: Record<string, any>; errors?: unknown[] };
  if (body.errors) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** The API server as a child process, with the batch probe preloaded. */
class ServerChild {
  private seq = 0;
  private readonly pending = new Map<number, (s: ProbeStats) => void>();
  private constructor(readonly child: ChildProcess, readonly origin: string) {
    child.on('message', (m: { id: number; stats: ProbeStats }) => {
      this.pending.get(m.id)?.(m.stats);
      this.pending.delete(m.id);
    });
  }

  static async start(env: Record<string, string>): Promise<ServerChild> {
    const { freePort } = await import('../src/db/embedded-postgres');
    const port = await freePort();
    const child = fork(path.join(DIST, 'src/main.js'), ['serve'], {
      execArgv: ['--require', __filename],
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', BENCH_INFERENCE_PROBE: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const origin = `http://127.0.0.1:${port}`;
    let exited: number | null = null;
    child.once('exit', (code) => (exited = code ?? -1));
    const until = Date.now() + 120_000;
    for (;;) {
      if (exited !== null) throw new Error(`server exited with ${exited} while starting`);
      if (await fetch(`${origin}/readyz`).then((r) => r.ok, () => false)) break;
      if (Date.now() > until) throw new Error('server did not become ready in 120 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    return new ServerChild(child, origin);
  }

  stats(): Promise<ProbeStats> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('probe did not answer')), 10_000);
      this.pending.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.child.send({ id, type: 'stats' });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

/** `clients` concurrent keep-alive connections, each sending requests back to back. */
async function load(origin: string, apiKey: string, bodies: string[], opts: { clients: number; count?: number; durationMs?: number }): Promise<Summary> {
  const { Pool } = await import('undici');
  const pool = new Pool(origin, { connections: opts.clients, pipelining: 1, keepAliveTimeout: 60_000 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let next = 0;
  const t0 = performance.now();
  const end = opts.durationMs !== undefined ? t0 + opts.durationMs : Infinity;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (opts.count !== undefined && i >= opts.count) return;
      if (performance.now() >= end) return;
      const start = performance.now();
      try {
        const res = await pool.request({ path: '/graphql', method: 'POST', headers, body: bodies[i % bodies.length] });
        const text = await res.body.text();
        const ms = performance.now() - start;
        if (res.statusCode !== 200 || text.includes('"errors"')) {
          errors++;
          firstError ??= `${res.statusCode} ${text.slice(0, 300)}`;
        } else latencies.push(ms);
      } catch (err) {
        errors++;
        firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.clients }, worker));
  const wallMs = performance.now() - t0;
  await pool.close();
  if (firstError) console.error(`  ${errors} failed requests; first: ${firstError}`);
  return summarize(latencies, wallMs, errors);
}

/** A sequential loop of `fn` (already warmed up). */
async function sequential(n: number, fn: (i: number) => Promise<unknown>): Promise<Summary> {
  const latencies: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn(i);
    latencies.push(performance.now() - s);
  }
  return summarize(latencies, performance.now() - t0, 0);
}

async function main() {
  if (!DATASETS) throw new Error('bench:inference needs ../shared/datasets (or TUNEFORGE_DATASETS)');
  const { benchDatabase } = await import('./bench-database');
  const { readMulti30k } = await import('../src/ml/tasks/text-datasets');
  const { loadModel } = await import('../src/ml/serving');
  const { unpackArtifact } = await import('../src/trainer/artifact-pack');
  const tf = await import('@tensorflow/tfjs');
  const { Client } = await import('pg');
  type Predictors = import('../src/ml/task').PredictorsByTask;

  const loadAtStart = os.loadavg();
  const startedAt = new Date();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneforge-inference-bench-'));
  fs.chmodSync(work, 0o755);
  const dataDir = path.join(work, 'data');
  const db = await benchDatabase('tuneforge_inference');
  const serverEnv = (windowMs: number, workers?: number): Record<string, string> => ({
    ...(workers === undefined ? {} : { INFERENCE_WORKERS: String(workers) }),
    DATABASE_URL: db.url, DATA_DIR: dataDir, JWT_SECRET, LOG_LEVEL: 'warn', MIGRATE_ON_START: 'true', NODE_ENV: 'production',
    DISPATCHER_ENABLED: 'true', RUN_EXECUTOR: 'local', LOCAL_EXECUTOR_CONCURRENCY: '2', RUN_HEARTBEAT_SECONDS: '1',
    // On a shared 2-core machine a trainer's synchronous steps can starve its heartbeat for > 30 s (the default timeout).
    RUN_HEARTBEAT_TIMEOUT_SECONDS: '600',
    RATE_LIMIT_CAPACITY: '10000000', RATE_LIMIT_RESTORE_RATE: '10000000',
    INFERENCE_RATE_LIMIT_CAPACITY: '10000000', INFERENCE_RATE_LIMIT_RESTORE_RATE: '10000000',
    BILLING_PLANS: JSON.stringify({ free: { inferenceRequestsPerMinute: 100_000_000 } }),
    INFERENCE_BATCH_WINDOW_MS: String(windowMs),
  });
  let server: ServerChild | null = null;
  try {
    // ---- Setup: server, tenant, datasets, two runs, an invoke-only API key.
    const setupStart = performance.now();
    server = await ServerChild.start(serverEnv(DEFAULT_WINDOW));
    const url = `${server.origin}/graphql`;
    const signUp = await gql(url, `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`, { input: { email: `owner-${Date.now()}@bench.test`, password: 'bench password', tenantName: 'Bench' } });
    const token = signUp.signUp.token as string;
    const upload = async (name: string, task: string, format: string, body: string, options: object = {}) => {
      const d = await gql(url, `mutation($input: CreateDatasetUploadInput!) { createDatasetUpload(input: $input) { upload { url } dataset { id } userErrors { message } } }`, { input: { name, task, format, options } }, token);
      const put = await fetch(d.createDatasetUpload.upload.url, { method: 'PUT', body });
      const result = (await put.json()) as { dataset: { status: string } };
      if (result.dataset?.status !== 'READY') throw new Error(`${name} did not load: ${JSON.stringify(result)}`);
      return d.createDatasetUpload.dataset.id as string;
    };
    const ratings = fs.readFileSync(path.join(DATASETS, 'movielens-100k/u.data'), 'utf8');
    const allPairs = readMulti30k('train')!;
    const words = (s: string) => s.trim().split(/\s+/).length;
    const pairs = allPairs.filter((p) => words(p.source) >= 19 && words(p.source) <= 21).slice(0, TRANSLATION_PAIRS);
    const [recData, trData] = await Promise.all([
      upload('ml-100k u.data', 'RECOMMENDATION', 'TSV', ratings),
      upload(`multi30k ${TRANSLATION_PAIRS} pairs of ~20 words`, 'TRANSLATION', 'JSONL', pairs.map((p) => JSON.stringify(p)).join('\n'), { splits: { train: 0.9, validation: 0.05, test: 0.05 } }),
    ]);
    const train = async (input: Record<string, unknown>) => {
      const launched = await gql(url, `mutation($input: LaunchRunInput!) { launchRun(input: $input) { run { id } userErrors { field message code } } }`, { input }, token);
      if (launched.launchRun.userErrors.length) throw new Error(JSON.stringify(launched.launchRun.userErrors));
      const t0 = performance.now();
      for (;;) {
        const run = (await gql(url, `query($id: ID!) { run(id: $id) { status error { message } modelVersion { id version } } }`, { id: launched.launchRun.run.id }, token)).run;
        if (run.status === 'SUCCEEDED') return { versionId: run.modelVersion.id as string, seconds: (performance.now() - t0) / 1000 };
        if (run.status === 'FAILED' || run.status === 'CANCELLED') throw new Error(`run ${input.modelName} ended ${run.status}: ${JSON.stringify(run.error)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    const [recRun, trRun] = await Promise.all([
      train({ modelName: REC_MODEL, task: 'RECOMMENDATION', datasetId: recData, hyperparameters: { epochs: REC_EPOCHS, seed: 7 } }),
      train({ modelName: TR_MODEL, task: 'TRANSLATION', datasetId: trData, hyperparameters: TRANSLATION_HP }),
    ]);
    const key = await gql(url, `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret userErrors { message } } }`, { input: { name: 'bench backend', scopes: ['models:invoke'] } }, token);
    const apiKey = key.createApiKey.secret as string;
    const setupSeconds = (performance.now() - setupStart) / 1000;
    console.error(`setup ${setupSeconds.toFixed(0)} s (recommendation run ${recRun.seconds.toFixed(0)} s, translation run ${trRun.seconds.toFixed(0)} s)`);

    // ---- Inputs.
    const users = [...new Set(ratings.split('\n').filter((l) => l.trim()).map((l) => l.split('\t')[0]))];
    // The uploaded German sentences of ~20 words (whitespace tokens); 90 % of them trained the model.
    const sentences = pairs.map((p) => p.source);
    if (sentences.length < 64) throw new Error(`only ${sentences.length} sentences of ~20 words`);
    const recBodies = users.map((u) => JSON.stringify({ query: RECOMMEND, variables: { userId: u } }));
    const trBodies = sentences.map((s) => JSON.stringify({ query: TRANSLATE, variables: { texts: [s] } }));

    // ---- The artifacts, read from the server's blob store, for the bare baseline.
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const { rows: versions } = await pg.query(`SELECT v.id, v.artifact_key FROM model_versions v WHERE v.id = ANY($1::uuid[])`, [[recRun.versionId, trRun.versionId].map((g) => Buffer.from(g, 'base64').toString().split(':')[1])]);
    await pg.end();
    const artifactOf = (globalId: string) => {
      const rowId = Buffer.from(globalId, 'base64').toString().split(':')[1];
      const row = versions.find((v: { id: string }) => v.id === rowId);
      if (!row) throw new Error(`no model_versions row for ${globalId}`);
      return fs.readFileSync(path.join(dataDir, 'blobs', row.artifact_key));
    };
    const recBytes = artifactOf(recRun.versionId);
    const trBytes = artifactOf(trRun.versionId);
    const recModel = await loadModel(await unpackArtifact(recBytes));
    const trFiles = await unpackArtifact(trBytes);
    const trModel = await loadModel(trFiles);
    const rec = recModel.predictor as Predictors['recommendation'];
    const tr = trModel.predictor as Predictors['translation'];
    const vocabOf = (side: 'source' | 'target') => {
      const name = Object.keys(trFiles).find((f) => f.endsWith('tokenizer.json'));
      const tok = name ? (JSON.parse(Buffer.from(trFiles[name]).toString('utf8')) as Record<string, { pieces?: unknown[] }>)[side] : undefined;
      return tok?.pieces ? String(260 + tok.pieces.length) : '?';
    };
    const trVocab = `${vocabOf('source')} / ${vocabOf('target')}`;
    // Output length: words of the answers, and greedy decoder steps per sentence (counted in this process).
    const { Seq2SeqModel } = await import('../src/ml/models/seq2seq');
    const stepProto = Seq2SeqModel.prototype as unknown as { greedyStep: (...a: unknown[]) => unknown };
    const step = stepProto.greedyStep;
    let steps = 0;
    stepProto.greedyStep = function (this: unknown, ...a: unknown[]) {
      steps++;
      return step.apply(this, a);
    };
    const sampleOut: string[] = [];
    for (const s of sentences.slice(0, 16)) sampleOut.push(...(await tr.translate([s])));
    stepProto.greedyStep = step;
    const outWords = sampleOut.reduce((s, t) => s + (t.trim() ? t.trim().split(/\s+/).length : 0), 0) / sampleOut.length;
    const outSteps = steps / sampleOut.length;

    const bareBoth = async () => {
      for (let i = 0; i < 20; i++) await rec.recommend(users[i], 10);
      for (let i = 0; i < 3; i++) await tr.translate([sentences[i]]);
      const r = await sequential(REC_SEQUENTIAL, (i) => rec.recommend(users[i % users.length], 10));
      const t = await sequential(TR_SEQUENTIAL, (i) => tr.translate([sentences[i % sentences.length]]));
      // What batching can gain at most: one call with 64 texts (sentences/s = 64 × calls/s).
      const at = (i: number) => (i * CLIENTS) % Math.max(1, sentences.length - CLIENTS + 1);
      const t64 = await sequential(quick ? 1 : 3, (i) => tr.translate(sentences.slice(at(i), at(i) + CLIENTS)));
      return { r, t, t64 };
    };
    console.error('bare predictor loops (before)…');
    const bareBefore = await bareBoth();

    // ---- Through the server.
    type Row = { op: string; clients: number; window: number; workers?: number; s: Summary; batch: string; serverCpuMsPerReq: number; elu: number };
    const rows: Row[] = [];
    const floorBodies = [JSON.stringify({ query: FLOOR })];
    const phase = async (op: 'recommend' | 'translate' | 'floor', clients: number, window: number, srv: ServerChild, workers?: number) => {
      const bodies = op === 'recommend' ? recBodies : op === 'translate' ? trBodies : floorBodies;
      // Warm-up: the first call loads the model; then a short burst at this concurrency (JIT, connections).
      await load(srv.origin, apiKey, bodies, { clients: 1, count: 1 });
      await load(srv.origin, apiKey, bodies, { clients, durationMs: quick ? 500 : 1500 });
      const before = await srv.stats();
      const cpu0 = process.cpuUsage();
      const s = clients === 1
        ? await load(srv.origin, apiKey, bodies, { clients, count: op === 'translate' ? TR_SEQUENTIAL : REC_SEQUENTIAL })
        : await load(srv.origin, apiKey, bodies, { clients, durationMs: DURATION_MS });
      const after = await srv.stats();
      const key = op === 'recommend' ? 'recommend' : 'translate:1';
      const a = after.byOperation[key];
      const b = before.byOperation[key] ?? { batches: 0, items: 0, largest: 0, runMs: 0, sizes: {} };
      const batches = (a?.batches ?? 0) - b.batches;
      const items = (a?.items ?? 0) - b.items;
      const runMs = (a?.runMs ?? 0) - b.runMs;
      const sizes = Object.entries(a?.sizes ?? {}).map(([k, v]) => [Number(k), v - (b.sizes[Number(k)] ?? 0)] as const).filter(([, v]) => v > 0);
      const largest = sizes.length ? Math.max(...sizes.map(([k]) => k)) : 0;
      const batch = batches ? `${(items / batches).toFixed(1)} (max ${largest}; ${(runMs / batches).toFixed(1)} ms/batch)` : '—';
      const elu = (after.elu.active - before.elu.active) / (after.elu.active + after.elu.idle - before.elu.active - before.elu.idle);
      const clientCpu = process.cpuUsage(cpu0);
      const row: Row = { op, clients, window, workers, s, batch, serverCpuMsPerReq: (after.cpuMs - before.cpuMs) / Math.max(1, s.requests), elu };
      rows.push(row);
      console.error(`  ${op} ×${clients} (window ${window} ms): ${s.rps.toFixed(1)} req/s, p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, ${s.errors} errors; batch ${batch}; server CPU ${row.serverCpuMsPerReq.toFixed(2)} ms/req, ELU ${(elu * 100).toFixed(0)} %; client CPU ${((clientCpu.user + clientCpu.system) / 1000 / Math.max(1, s.requests)).toFixed(2)} ms/req`);
      return row;
    };
    console.error(`server, INFERENCE_BATCH_WINDOW_MS=${DEFAULT_WINDOW}…`);
    for (const op of ['floor', 'recommend', 'translate'] as const) {
      await phase(op, 1, DEFAULT_WINDOW, server);
      await phase(op, CLIENTS, DEFAULT_WINDOW, server);
    }
    const serverStats = await server.stats();
    for (const w of WINDOWS) {
      await server.stop();
      server = null;
      console.error(`server, INFERENCE_BATCH_WINDOW_MS=${w}…`);
      server = await ServerChild.start(serverEnv(w));
      await phase('translate', CLIENTS, w, server);
      await phase('recommend', CLIENTS, w, server);
    }
    for (const n of WORKERS) {
      await server.stop();
      server = null;
      console.error(`server, INFERENCE_WORKERS=${n}…`);
      server = await ServerChild.start(serverEnv(DEFAULT_WINDOW, n));
      await phase('translate', CLIENTS, DEFAULT_WINDOW, server, n);
    }
    await server.stop();
    server = null;

    console.error('bare predictor loops (after)…');
    const bareAfter = await bareBoth();
    const loadAtEnd = os.loadavg();
    const bareRec = bareBefore.r.rps >= bareAfter.r.rps ? bareBefore.r : bareAfter.r;
    const bareTr = bareBefore.t.rps >= bareAfter.t.rps ? bareBefore.t : bareAfter.t;
    recModel.dispose();
    trModel.dispose();

    // ---- Report.
    const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    console.log(`\nbench:inference${quick ? ' --quick' : ''} — ${startedAt.toISOString()}; ${os.cpus().length} × ${cpu}; Node ${process.version}; tfjs ${tf.version_core} backend ${tf.getBackend()} (server: ${serverStats.backend}); ` +
      `load average at start ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}, at end ${loadAtEnd.map((x) => x.toFixed(2)).join(' ')}; Postgres ${process.env.DATABASE_URL ? 'at DATABASE_URL' : 'embedded'}`);
    console.log(`models: ${REC_MODEL} — biased MF, default 64 factors, ${REC_EPOCHS} epochs on all of u.data (943 users, 1,682 items; artifact ${(recBytes.length / 1024).toFixed(0)} KiB); ` +
      `${TR_MODEL} — GRU enc–dec + attention, embeddings ${TRANSLATION_HP.embeddingSize}, hidden ${TRANSLATION_HP.hiddenSize}, BPE vocab ${trVocab} (source / target), ${TRANSLATION_HP.epochs} epochs on ${TRANSLATION_PAIRS} Multi30k pairs of 19–21 words (90 % train) (artifact ${(trBytes.length / 1024 / 1024).toFixed(1)} MiB)`);
    console.log(`inputs: recommend top-10 for the ${users.length} users in turn (excludeSeen); translate 1 text per request, the ${sentences.length} uploaded German sentences of 19–21 words in turn, greedy; the model answers with ${outWords.toFixed(1)} words after ${outSteps.toFixed(1)} decoder steps per sentence on average (e.g. \"${sampleOut[0].slice(0, 80)}\")`);
    console.log(`setup (upload, both runs in parallel, API key): ${setupSeconds.toFixed(0)} s; 64-client phases ${DURATION_MS / 1000} s each after a warm-up; 1-client phases ${REC_SEQUENTIAL} recommend / ${TR_SEQUENTIAL} translate requests\n`);
    console.log('| operation | where | clients | requests | req/s | p50 ms | p99 ms | vs bare sequential req/s | server avg batch (max; run time) | server CPU ms/req | server event loop busy | errors |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const op of ['recommend', 'translate'] as const) {
      const bare = op === 'recommend' ? bareRec : bareTr;
      const other = op === 'recommend' ? (bare === bareBefore.r ? bareAfter.r : bareBefore.r) : (bare === bareBefore.t ? bareAfter.t : bareBefore.t);
      const label = op === 'recommend' ? '`recommend` top-10' : '`translate` ~20 words';
      console.log(`| ${label} | bare predictor, sequential, in process | 1 | ${bare.requests} | ${f(bare.rps, 1)} | ${f(bare.p50, 3)} | ${f(bare.p99, 3)} | 1.00× (other bare loop: ${f(other.rps, 1)} req/s) | — | — | — | — |`);
      if (op === 'translate') {
        const b64 = bareBefore.t64.rps >= bareAfter.t64.rps ? bareBefore.t64 : bareAfter.t64;
        console.log(`| ${label} | bare predictor, one call of ${CLIENTS} texts, in process | 1 | ${b64.requests} × ${CLIENTS} texts | ${f(b64.rps * CLIENTS, 1)} texts/s | ${f(b64.p50, 0)} per call | — | ${f((b64.rps * CLIENTS) / bare.rps)}× (the ceiling for batching) | — | — | — | — |`);
      }
      for (const r of rows.filter((x) => x.op === op && x.window === DEFAULT_WINDOW && x.workers === undefined)) {
        console.log(`| ${label} | server, window ${r.window} ms | ${r.clients} | ${r.s.requests} | ${f(r.s.rps, 1)} | ${f(r.s.p50)} | ${f(r.s.p99)} | **${f(r.s.rps / bare.rps)}×** | ${r.batch} | ${f(r.serverCpuMsPerReq)} | ${(r.elu * 100).toFixed(0)} % | ${r.s.errors} |`);
      }
    }
    for (const r of rows.filter((x) => x.op === 'floor')) {
      console.log(`| \`{ __typename }\` (no model: the per-request floor) | server | ${r.clients} | ${r.s.requests} | ${f(r.s.rps, 1)} | ${f(r.s.p50)} | ${f(r.s.p99)} | ${f(r.s.rps / bareRec.rps)}× bare recommend | — | ${f(r.serverCpuMsPerReq)} | ${(r.elu * 100).toFixed(0)} % | ${r.s.errors} |`);
    }
    if (WINDOWS.length) {
      console.log(`\nINFERENCE_BATCH_WINDOW_MS at ${CLIENTS} clients (server restarted per value):\n`);
      console.log('| operation | window ms | req/s | p50 ms | p99 ms | vs bare | server avg batch (max; run time) | server CPU ms/req | errors |');
      console.log('|---|---|---|---|---|---|---|---|---|');
      for (const op of ['translate', 'recommend'] as const) {
        const bare = op === 'recommend' ? bareRec : bareTr;
        for (const r of rows.filter((x) => x.op === op && x.clients === CLIENTS && x.workers === undefined).sort((a, b) => a.window - b.window)) {
          console.log(`| ${op} | ${r.window} | ${f(r.s.rps, 1)} | ${f(r.s.p50)} | ${f(r.s.p99)} | ${f(r.s.rps / bare.rps)}× | ${r.batch} | ${f(r.serverCpuMsPerReq)} | ${r.s.errors} |`);
        }
      }
    }
    if (WORKERS.length) {
      console.log(`\nINFERENCE_WORKERS for translate at ${CLIENTS} clients (server restarted per value; default: ${os.availableParallelism()}):\n`);
      console.log('| workers | req/s | p50 ms | p99 ms | vs bare | server avg batch (max; run time) | server CPU ms/req | API thread busy | errors |');
      console.log('|---|---|---|---|---|---|---|---|---|');
      for (const r of rows.filter((x) => x.op === 'translate' && x.workers !== undefined)) {
        console.log(`| ${r.workers} | ${f(r.s.rps, 1)} | ${f(r.s.p50)} | ${f(r.s.p99)} | ${f(r.s.rps / bareTr.rps)}× | ${r.batch} | ${f(r.serverCpuMsPerReq)} | ${(r.elu * 100).toFixed(0)} % | ${r.s.errors} |`);
      }
    }
    const main = (op: string, clients: number) => rows.find((r) => r.op === op && r.clients === clients && r.window === DEFAULT_WINDOW && r.workers === undefined)!;
    const [rec1, rec64, tr64] = [main('recommend', 1), main('recommend', CLIENTS), main('translate', CLIENTS)];
    console.log('\ntargets:');
    console.log(`- recommend p50 ≤ 5 ms at 1 client: ${f(rec1.s.p50)} ms — ${rec1.s.p50 <= 5 ? 'met' : 'NOT met'}`);
    console.log(`- recommend at ${CLIENTS} clients ≥ 2× bare sequential: ${f(rec64.s.rps / bareRec.rps)}× — ${rec64.s.rps >= 2 * bareRec.rps ? 'met' : 'NOT met'}`);
    console.log(`- translate at ${CLIENTS} clients ≥ 2× bare sequential: ${f(tr64.s.rps / bareTr.rps)}× — ${tr64.s.rps >= 2 * bareTr.rps ? 'met' : 'NOT met'}`);
    console.log(`\nmodel cache (server, default window): ${JSON.stringify(serverStats.cache)}`);
  } finally {
    await server?.stop().catch(() => undefined);
    await db.cleanup().catch((err) => console.error('database cleanup failed', err));
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

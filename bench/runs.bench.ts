/**
 * bench:runs — the training-run platform against the bare ML core, in one process and run:
 *  1. latency from launchRun to RUNNING and to the first metric point (local executor);
 *  2. a platform run's RUNNING time against `train()` called directly on the same rows and
 *     hyperparameters (the platform adds the child process, dataset download, checkpoints,
 *     metric posts, artifact upload);
 *  3. admission of 1,000 queued runs across 10 tenants by the dispatcher: time, and how fairly
 *     the first 100 admissions are shared.
 * Usage: npm run bench:runs [-- --quick]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import pino from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../src/config';
import { Database } from '../src/db/database';
import { benchDatabase } from './bench-database';
import { train } from '../src/ml/train';
import { Api, serveApi } from '../src/server/serve';
import { readDataset } from '../src/trainer/dataset-rows';
import { AttemptLaunch, Executor, WorkerEvent } from '../src/training/executor';
import { RunDispatcher } from '../src/training/run-dispatcher';
import { RunQueue } from '../src/training/run-queue';
import PgBoss from 'pg-boss';

const quick = process.argv.includes('--quick');
const DATASETS = [process.env.TUNEFORGE_DATASETS, path.resolve(__dirname, '../../../shared/datasets')].find((p) => p && fs.existsSync(p));
const EPOCHS = quick ? 2 : 8;

async function gql(url: string, query: string, variables: object, token?: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data: Record<string, any>; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Records launches; the bench measures the dispatcher, not trainers. */
class RecordingExecutor implements Executor {
  readonly name = 'local' as const;
  readonly launches: AttemptLaunch[] = [];
  onEvent(_l: (e: WorkerEvent) => void): void {}
  async launch(spec: AttemptLaunch): Promise<void> {
    this.launches.push(spec);
  }
  async stop(): Promise<void> {}
  active(): number {
    return 0;
  }
  async close(): Promise<void> {}
}

async function signUp(url: string, name: string): Promise<string> {
  const d = await gql(url, `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`, { input: { email: `${name}-${Date.now()}@bench.test`, password: 'bench password', tenantName: name } });
  return d.signUp.token;
}

async function uploadRatings(url: string, token: string, body: string): Promise<string> {
  const d = await gql(url, `mutation($input: CreateDatasetUploadInput!) { createDatasetUpload(input: $input) { upload { url } dataset { id } } }`, { input: { name: 'ml-100k', task: 'RECOMMENDATION', format: 'TSV' } }, token);
  const put = await fetch(d.createDatasetUpload.upload.url, { method: 'PUT', body });
  if (put.status !== 200) throw new Error(await put.text());
  return d.createDatasetUpload.dataset.id;
}

async function main() {
  if (!DATASETS) throw new Error('bench:runs needs ../shared/datasets (or TUNEFORGE_DATASETS)');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneforge-runs-bench-'));
  fs.chmodSync(work, 0o755);
  const db = await benchDatabase('tuneforge_runs');
  const dbUrl = db.url;
  const log = pino({ level: 'warn' });
  let api: Api | null = null;
  try {
    const config = loadConfig({ DATABASE_URL: dbUrl, MIGRATE_ON_START: 'true', PORT: '0', HOST: '127.0.0.1', DATA_DIR: path.join(work, 'data'), JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123456789', LOG_LEVEL: 'warn', RUN_HEARTBEAT_SECONDS: '1', RATE_LIMIT_CAPACITY: '1000000', RATE_LIMIT_RESTORE_RATE: '1000000', LOCAL_EXECUTOR_CONCURRENCY: '1' });
    api = await serveApi(config, log);
    const url = api.server.url;
    const token = await signUp(url, 'bench');
    const ratings = fs.readFileSync(path.join(DATASETS, 'movielens-100k/u.data'), 'utf8');
    const dataset = await uploadRatings(url, token, ratings);
    const ws = createClient({ url: url.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } });

    // 1. launch → RUNNING and → first metric point.
    const toRunning: number[] = [];
    const toFirstMetric: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const launched = await gql(url, `mutation($input: LaunchRunInput!) { launchRun(input: $input) { run { id } } }`, { input: { modelName: `latency-${i}`, task: 'RECOMMENDATION', datasetId: dataset, hyperparameters: { epochs: 1 } } }, token);
      const id = launched.launchRun.run.id;
      const firstMetric = new Promise<number>((resolve) => {
        const stop = ws.subscribe({ query: `subscription($id: ID!) { runMetricLogged(runId: $id) { name } }`, variables: { id } }, { next: () => { stop(); resolve(performance.now() - t0); }, error: () => undefined, complete: () => undefined });
      });
      for (;;) {
        const d = await gql(url, `query($id: ID!) { run(id: $id) { status } }`, { id }, token);
        if (d.run.status === 'RUNNING' || d.run.status === 'SUCCEEDED') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      toRunning.push(performance.now() - t0);
      toFirstMetric.push(await firstMetric);
      for (;;) {
        const d = await gql(url, `query($id: ID!) { run(id: $id) { status } }`, { id }, token);
        if (d.run.status === 'SUCCEEDED' || d.run.status === 'FAILED') break;
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    // 2. platform run vs bare train() on the same rows and hyperparameters.
    const hp = { epochs: EPOCHS, seed: 11 };
    const launched = await gql(url, `mutation($input: LaunchRunInput!) { launchRun(input: $input) { run { id } } }`, { input: { modelName: 'throughput', task: 'RECOMMENDATION', datasetId: dataset, hyperparameters: hp } }, token);
    let run: Record<string, any>;
    for (;;) {
      run = (await gql(url, `query($id: ID!) { run(id: $id) { status startedAt finishedAt evaluation { metrics } hyperparameters } }`, { id: launched.launchRun.run.id }, token)).run;
      if (run.status === 'SUCCEEDED' || run.status === 'FAILED') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (run.status !== 'SUCCEEDED') throw new Error('throughput run failed');
    const platformSeconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
    const datasetRow = await api.database.dataSource.query(`SELECT blob_key FROM datasets LIMIT 1`);
    const stream = await api.services.blobs.read(datasetRow[0].blob_key);
    stream.setEncoding('utf8');
    const rows = await readDataset('recommendation', stream as AsyncIterable<string>);
    const t1 = performance.now();
    const bare = await train({ task: 'recommendation', hyperparameters: run.hyperparameters }, rows);
    const bareSeconds = (performance.now() - t1) / 1000;
    await ws.dispose();

    // 3. admission of 1,000 queued runs across 10 tenants (created tenant by tenant: the worst case for FIFO).
    const tenants: string[] = [];
    const tenantDatasets: string[] = [];
    for (let i = 0; i < 10; i++) {
      const tk = await signUp(url, `tenant-${i}`);
      tenants.push(tk);
      tenantDatasets.push(await uploadRatings(url, tk, ratings.split('\n').slice(0, 200).join('\n')));
    }
    const queueName = `bench-admission-${Date.now()}`;
    const admissionConfig = loadConfig({ ...process.env, DATABASE_URL: dbUrl, RUN_QUEUE: queueName, JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123456789', DISPATCHER_ENABLED: 'false', PORT: '0', HOST: '127.0.0.1', DATA_DIR: path.join(work, 'data'), LOG_LEVEL: 'warn', RATE_LIMIT_CAPACITY: '1000000', RATE_LIMIT_RESTORE_RATE: '1000000' });
    await api.stop();
    api = await serveApi(admissionConfig, log); // same database, a queue no dispatcher serves yet
    const perTenant = quick ? 20 : 100;
    for (let i = 0; i < 10; i++) {
      const batch = Array.from({ length: perTenant }, (_, j) => gql(api!.server.url, `mutation($input: LaunchRunInput!) { launchRun(input: $input) { run { id } userErrors { message } } }`, { input: { modelName: `fair-${i}`, task: 'RECOMMENDATION', datasetId: tenantDatasets[i], hyperparameters: { epochs: 1 }, idempotencyKey: `k-${j}` } }, tenants[i]));
      await Promise.all(batch);
    }
    const tenantIds: string[] = (await api.database.dataSource.query(`SELECT tenant_id FROM training_runs WHERE status = 'QUEUED' GROUP BY tenant_id ORDER BY min(created_at)`)).map((r: { tenant_id: string }) => r.tenant_id);
    const recorder = new RecordingExecutor();
    const boss = new PgBoss({ connectionString: dbUrl, max: 4 });
    const queue = new RunQueue(boss, queueName, () => undefined);
    await queue.start((sql) => api!.database.dataSource.query(sql));
    const dispatcher = new RunDispatcher(new Database(api.database.dataSource), queue, recorder, {
      maxConcurrentRunsPerTenant: 100_000, executorCapacity: 100_000, heartbeatSeconds: 3600, heartbeatTimeoutSeconds: 3600, provisioningTimeoutSeconds: 3600,
      activeDeadlineSeconds: 3600, apiUrl: () => 'http://127.0.0.1:1', queueName: () => 'q',
    }, log);
    const total = perTenant * 10;
    const t2 = performance.now();
    await dispatcher.start();
    while (recorder.launches.length < total) await new Promise((r) => setTimeout(r, 50));
    const admissionSeconds = (performance.now() - t2) / 1000;
    await dispatcher.stop();
    const first = recorder.launches.slice(0, total / 10).map((l) => tenantIds.indexOf(l.tenantId));
    const share = Array.from({ length: 10 }, (_, i) => first.filter((x) => x === i).length);
    const jain = share.reduce((a, b) => a + b, 0) ** 2 / (10 * share.reduce((a, b) => a + b * b, 0));

    console.log(`\nbench:runs — ${os.cpus().length} × ${os.cpus()[0]?.model}; Node ${process.version}; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; ML-100K u.data (100,000 ratings)\n`);
    console.log('| measure | result |');
    console.log('|---|---|');
    console.log(`| launchRun → RUNNING (median of 3) | ${(median(toRunning) / 1000).toFixed(2)} s (${toRunning.map((x) => (x / 1000).toFixed(2)).join(', ')}) |`);
    console.log(`| launchRun → first metric point (median of 3) | ${(median(toFirstMetric) / 1000).toFixed(2)} s (${toFirstMetric.map((x) => (x / 1000).toFixed(2)).join(', ')}) |`);
    console.log(`| platform run RUNNING time, ${EPOCHS} epochs | ${platformSeconds.toFixed(1)} s |`);
    console.log(`| bare train() in-process, same rows and hyperparameters | ${bareSeconds.toFixed(1)} s |`);
    console.log(`| platform / bare | **${(platformSeconds / bareSeconds).toFixed(3)}×** (test RMSE ${run.evaluation.metrics.rmse.toFixed(4)} vs ${bare.evaluation.metrics.rmse.toFixed(4)}) |`);
    console.log(`| dispatcher: admit ${total} queued runs of 10 tenants | ${admissionSeconds.toFixed(1)} s (${(total / admissionSeconds).toFixed(0)} runs/s) |`);
    console.log(`| fairness of the first ${total / 10} admissions (runs per tenant; Jain index) | ${share.join(' / ')} ; ${jain.toFixed(3)} |`);
  } finally {
    await api?.stop().catch(() => undefined);
    await db.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });

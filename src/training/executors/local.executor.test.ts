import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AttemptLaunch, WorkerEvent } from '../executor';
import { FakeApi, syntheticRatings } from '../../trainer/fake-api.test-helper';
import { ExecutorBusyError, LocalExecutor, type LocalExecutorOptions } from './local.executor';

jest.setTimeout(20_000);

let dir: string;
const scripts = {
  ok: `console.log('hello from ' + process.env.TUNEFORGE_RUN_ID + ' attempt ' + process.env.TUNEFORGE_RUN_ATTEMPT);
console.log('args ' + process.argv.slice(2).join(' '));
console.log('env ' + Object.keys(process.env).sort().join(','));
console.log('token ' + process.env.TUNEFORGE_RUN_TOKEN);
console.error('a warning');`,
  fail: `console.error('trainer: unexpected error: boom');\nconsole.error('    at somewhere (x.js:1:1)');\nprocess.exit(1);`,
  sleep: `console.log('sleeping'); setInterval(() => undefined, 1000);`,
  stubborn: `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('ready'); setInterval(() => undefined, 1000);`,
  oom: `process.kill(process.pid, 'SIGKILL');`,
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-local-exec-'));
  for (const [name, body] of Object.entries(scripts)) fs.writeFileSync(path.join(dir, `${name}.js`), body);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const executors: LocalExecutor[] = [];
afterEach(async () => {
  // Each test stops its own workers.
  for (const e of executors.splice(0)) await e.close();
});

function launchSpec(runId: string, attempt = 1, extra: Partial<AttemptLaunch> = {}): AttemptLaunch {
  return { tenantId: 't1', runId, attempt, gpus: 0, apiUrl: 'http://127.0.0.1:9', runToken: 'tok-SECRET-42', activeDeadlineSeconds: 0, queueName: 'q', ...extra };
}

function executor(script: keyof typeof scripts, options: Partial<LocalExecutorOptions> = {}) {
  const events: WorkerEvent[] = [];
  const ex = new LocalExecutor({ entry: path.join(dir, `${script}.js`), concurrency: 2, logFlushMs: 50, stopGraceMs: 500, ...options });
  ex.onEvent((e) => events.push(e));
  executors.push(ex);
  const until = async (pred: (e: WorkerEvent) => boolean): Promise<WorkerEvent> => {
    for (let i = 0; i < 400; i++) {
      const found = events.find(pred);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no such event; got ${JSON.stringify(events)}`);
  };
  return { ex, events, until };
}

const logOf = (events: WorkerEvent[]) => events.flatMap((e) => e.log ?? []);

describe('LocalExecutor', () => {
  it('starts the trainer with only the protocol environment, reports RUNNING, its output and EXITED', async () => {
    process.env.DATABASE_URL = 'postgres://should-not-leak';
    const { ex, events, until } = executor('ok');
    await ex.launch(launchSpec('run-a', 3));
    delete process.env.DATABASE_URL;
    expect(events[0]).toEqual({ runId: 'run-a', attempt: 3, kind: 'RUNNING' });
    const end = await until((e) => e.kind === 'EXITED');
    expect(end.reason).toBeUndefined();
    const log = logOf(events);
    expect(log).toEqual(expect.arrayContaining(['hello from run-a attempt 3', 'args trainer', 'a warning', 'token <token>']));
    const env = log.find((l) => l.startsWith('env '))!.slice(4).split(',');
    expect(env.filter((k) => !['PATH', 'HOME'].includes(k))).toEqual([
      'TUNEFORGE_API_URL', 'TUNEFORGE_HEARTBEAT_SECONDS', 'TUNEFORGE_RUN_ATTEMPT', 'TUNEFORGE_RUN_ID', 'TUNEFORGE_RUN_TOKEN',
    ]);
    expect(JSON.stringify(events)).not.toContain('tok-SECRET-42');
    expect(ex.active()).toBe(0);
  });

  it('reports FAILED with the exit code and the last error line on a non-zero exit', async () => {
    const { ex, until } = executor('fail');
    await ex.launch(launchSpec('run-b'));
    const end = await until((e) => e.kind === 'FAILED');
    expect(end.reason).toBe('the trainer exited with code 1: trainer: unexpected error: boom');
    expect(end.log).toEqual(expect.arrayContaining(['trainer: unexpected error: boom']));
  });

  it('reports a SIGKILL it did not send as a lost worker (the run is retried from its checkpoint)', async () => {
    const { ex, until } = executor('oom');
    await ex.launch(launchSpec('run-c'));
    expect((await until((e) => e.kind === 'LOST')).reason).toBe('the trainer was killed (SIGKILL; out of memory?)');
  });

  it('stop() ends the process (SIGTERM, then SIGKILL after the grace period) and is idempotent', async () => {
    const { ex, events, until } = executor('stubborn', { stopGraceMs: 300 });
    await ex.launch(launchSpec('run-d'));
    await until((e) => (e.log ?? []).includes('ready'));
    const started = Date.now();
    await ex.stop('run-d', 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(ex.active()).toBe(0);
    const end = events.find((e) => e.kind !== 'RUNNING')!;
    expect(end).toMatchObject({ kind: 'EXITED', reason: 'stopped on request' });
    expect(logOf(events)).toContain('ignoring SIGTERM');
    await ex.stop('run-d', 1);
    await ex.stop('unknown', 1);
  });

  it('stops a trainer that runs past its deadline', async () => {
    const { ex, until } = executor('sleep', { stopGraceMs: 200 });
    await ex.launch(launchSpec('run-e', 1, { activeDeadlineSeconds: 0.3 }));
    expect((await until((e) => e.kind === 'FAILED')).reason).toBe('the attempt ran past its deadline of 0.3 s and was stopped');
  });

  it('rejects a launch beyond its concurrency limit, and accepts one once a slot is free', async () => {
    const { ex } = executor('sleep', { concurrency: 1 });
    await ex.launch(launchSpec('run-f'));
    await ex.launch(launchSpec('run-f')); // the same attempt again: no-op
    expect(ex.active()).toBe(1);
    await expect(ex.launch(launchSpec('run-g'))).rejects.toBeInstanceOf(ExecutorBusyError);
    await ex.stop('run-f', 1);
    await ex.launch(launchSpec('run-g'));
    expect(ex.active()).toBe(1);
    await ex.stop('run-g', 1);
  });

  it('rejects a launch whose entry cannot be started', async () => {
    const { ex } = executor('ok', { cwd: path.join(dir, 'missing-dir') });
    await expect(ex.launch(launchSpec('run-h'))).rejects.toThrow('could not start the trainer');
    expect(ex.active()).toBe(0);
  });
});

// The real trainer, compiled (`npm run build`), as a child process against the fake trainer API.
const mainJs = path.resolve(__dirname, '../../../dist/src/main.js');
(fs.existsSync(mainJs) ? describe : describe.skip)(`LocalExecutor with the compiled trainer${fs.existsSync(mainJs) ? '' : ' [skipped: run npm run build first]'}`, () => {
  it('runs `main.js trainer` to completion: the fake API receives the artifact and complete, the executor reports EXITED', async () => {
    const api = await new FakeApi({
      spec: {
        runId: '6b3a1f9e-0000-4000-8000-0000000000ee', attempt: 1, task: 'RECOMMENDATION', seed: 7,
        hyperparameters: { epochs: 2, factors: 8, batchSize: 64, learningRate: 0.05, earlyStoppingPatience: 0 },
        dataset: { sha256: 'b'.repeat(64), rowCount: 640 }, parent: null, checkpoint: null,
      },
      rows: syntheticRatings(),
    }).start();
    try {
      const { ex, events, until } = executor('ok', { entry: mainJs, heartbeatSeconds: 0.5, logFlushMs: 200 });
      await ex.launch({ ...launchSpec(api.options.spec.runId), apiUrl: api.url, runToken: api.token });
      const end = await until((e) => e.kind !== 'RUNNING');
      expect(end).toMatchObject({ kind: 'EXITED' });
      expect(api.sent('/complete')).toHaveLength(1);
      expect(api.artifact).not.toBeNull();
      expect(logOf(events).some((l) => l.startsWith('trainer: completed'))).toBe(true);
      expect(JSON.stringify(events)).not.toContain(api.token);
    } finally {
      await api.close();
    }
  });
});

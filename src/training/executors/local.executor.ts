/**
 * The local executor (the embedded default): each attempt is a child process running
 * `node <entry> trainer` (the entry is `dist/src/main.js` in production), with only the
 * `TUNEFORGE_*` protocol variables plus PATH and HOME in its environment — never the API's own
 * secrets or DATABASE_URL.
 *
 * Events it reports, per attempt:
 * - `RUNNING` once the process has been spawned, and again with `log` lines while it runs (the
 *   trainer's stdout/stderr, batched every `logFlushMs`; the run token is masked);
 * - at the end exactly one of: `EXITED` (exit code 0, or stopped through `stop()`), `FAILED` with a
 *   reason (non-zero exit code, a signal, SIGKILL from outside → "the trainer was killed (out of
 *   memory?)", or the attempt's deadline passed), carrying the last log lines.
 *
 * Concurrency: at most `concurrency` trainers at once. A launch beyond the limit is **rejected**
 * with {@link ExecutorBusyError} rather than queued here: the dispatcher already checks `active()`
 * before it launches and requeues the run when a launch fails, so waiting belongs to the run queue,
 * where it is visible and fair across tenants.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import type { AttemptLaunch, Executor, WorkerEvent } from '../executor';

export interface LocalExecutorOptions {
  /** The script the child runs with `process.execPath` (`dist/src/main.js` in production). */
  entry: string;
  /** Arguments after the entry (default `['trainer']`). */
  args?: string[];
  /** Trainers running at once (LOCAL_EXECUTOR_CONCURRENCY). */
  concurrency: number;
  /** TUNEFORGE_HEARTBEAT_SECONDS for the trainer (default 5). */
  heartbeatSeconds?: number;
  /** Time between SIGTERM and SIGKILL in `stop()` (default 10 s). */
  stopGraceMs?: number;
  /** Log lines are reported at most this often (default 1 s). */
  logFlushMs?: number;
  /** Extra variables for the child (e.g. NODE_OPTIONS); never put the API's secrets here. */
  env?: Record<string, string>;
  cwd?: string;
}

/** A launch while `concurrency` trainers are already running. */
export class ExecutorBusyError extends Error {
  constructor(limit: number) {
    super(`the local executor already runs ${limit} trainer${limit === 1 ? '' : 's'} (its limit)`);
    this.name = 'ExecutorBusyError';
  }
}

/** Lines kept per event; older ones are summarised. */
const MAX_LOG_LINES = 200;
const MAX_LINE_CHARS = 2000;

interface Worker {
  runId: string;
  attempt: number;
  child: ChildProcess;
  token: string;
  lines: string[];
  dropped: number;
  lastError: string | null;
  flushTimer: NodeJS.Timeout | null;
  deadlineTimer: NodeJS.Timeout | null;
  killTimer: NodeJS.Timeout | null;
  /** Why we are ending it, if we are. */
  ending: null | { by: 'stop' } | { by: 'deadline'; seconds: number };
  exited: Promise<void>;
}

const keyOf = (runId: string, attempt: number) => `${runId}#${attempt}`;

export class LocalExecutor implements Executor {
  readonly name = 'local' as const;
  private readonly workers = new Map<string, Worker>();
  private listener: ((event: WorkerEvent) => void) | null = null;
  private closed = false;

  constructor(private readonly options: LocalExecutorOptions) {
    if (!(options.concurrency >= 1)) throw new Error('LocalExecutor: concurrency must be at least 1');
  }

  onEvent(listener: (event: WorkerEvent) => void): void {
    this.listener = listener;
  }

  active(): number {
    return this.workers.size;
  }

  /** Spawns the trainer; resolves once the process is running. Launching a running attempt again is a no-op. */
  async launch(spec: AttemptLaunch): Promise<void> {
    const key = keyOf(spec.runId, spec.attempt);
    if (this.workers.has(key)) return;
    if (this.workers.size >= this.options.concurrency) throw new ExecutorBusyError(this.options.concurrency);
    const env: Record<string, string> = {
      ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
      ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
      ...this.options.env,
      TUNEFORGE_API_URL: spec.apiUrl,
      TUNEFORGE_RUN_ID: spec.runId,
      TUNEFORGE_RUN_ATTEMPT: String(spec.attempt),
      TUNEFORGE_RUN_TOKEN: spec.runToken,
      TUNEFORGE_HEARTBEAT_SECONDS: String(this.options.heartbeatSeconds ?? 5),
    };
    const child = spawn(process.execPath, [this.options.entry, ...(this.options.args ?? ['trainer'])], {
      env, cwd: this.options.cwd, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let exitedResolve!: () => void;
    const worker: Worker = {
      runId: spec.runId, attempt: spec.attempt, child, token: spec.runToken, lines: [], dropped: 0, lastError: null,
      flushTimer: null, deadlineTimer: null, killTimer: null, ending: null,
      exited: new Promise<void>((resolve) => (exitedResolve = resolve)),
    };
    this.workers.set(key, worker);
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (e) {
      this.workers.delete(key);
      throw new Error(`could not start the trainer: ${(e as Error).message}`);
    }
    child.on('error', () => undefined); // a failed kill(); the 'close' below still reports the end
    this.capture(worker, child.stdout!, false);
    this.capture(worker, child.stderr!, true);
    child.once('close', (code, signal) => {
      this.finish(worker, code, signal);
      exitedResolve();
    });
    if (spec.activeDeadlineSeconds > 0) {
      worker.deadlineTimer = setTimeout(() => {
        worker.ending = { by: 'deadline', seconds: spec.activeDeadlineSeconds };
        this.terminate(worker);
      }, spec.activeDeadlineSeconds * 1000);
      worker.deadlineTimer.unref();
    }
    this.emit({ runId: spec.runId, attempt: spec.attempt, kind: 'RUNNING' });
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. Idempotent. */
  async stop(runId: string, attempt: number): Promise<void> {
    const worker = this.workers.get(keyOf(runId, attempt));
    if (!worker) return;
    if (!worker.ending) worker.ending = { by: 'stop' };
    this.terminate(worker);
    await worker.exited;
  }

  /**
   * Stops reporting and stops this process's trainers: they are children of this API process and
   * would otherwise heartbeat into the void. Their runs are requeued by the reaper of any replica
   * and resume from their checkpoints.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.listener = null;
    const workers = [...this.workers.values()];
    for (const w of workers) {
      for (const t of [w.flushTimer, w.deadlineTimer]) if (t) clearTimeout(t);
      w.flushTimer = w.deadlineTimer = null;
      if (!w.ending) w.ending = { by: 'stop' };
      this.terminate(w);
    }
    await Promise.all(workers.map((w) => w.exited));
  }

  private terminate(worker: Worker): void {
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
    worker.child.kill('SIGTERM');
    if (!worker.killTimer) {
      worker.killTimer = setTimeout(() => worker.child.kill('SIGKILL'), this.options.stopGraceMs ?? 10_000);
      worker.killTimer.unref();
    }
  }

  private capture(worker: Worker, stream: NodeJS.ReadableStream, isError: boolean): void {
    const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (raw: string) => {
      let line = worker.token ? raw.split(worker.token).join('<token>') : raw;
      if (line.length > MAX_LINE_CHARS) line = `${line.slice(0, MAX_LINE_CHARS)}…`;
      if (isError && line.trim() !== '' && !/^\s/.test(line)) worker.lastError = line;
      worker.lines.push(line);
      if (worker.lines.length > MAX_LOG_LINES) {
        worker.lines.shift();
        worker.dropped++;
      }
      if (!worker.flushTimer && !this.closed) {
        worker.flushTimer = setTimeout(() => {
          worker.flushTimer = null;
          const log = this.takeLines(worker);
          if (log.length) this.emit({ runId: worker.runId, attempt: worker.attempt, kind: 'RUNNING', log });
        }, this.options.logFlushMs ?? 1000);
      }
    });
  }

  private takeLines(worker: Worker): string[] {
    const log = worker.dropped ? [`(${worker.dropped} earlier lines not shown)`, ...worker.lines] : worker.lines;
    worker.lines = [];
    worker.dropped = 0;
    return log;
  }

  private finish(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    this.workers.delete(keyOf(worker.runId, worker.attempt));
    for (const t of [worker.flushTimer, worker.deadlineTimer, worker.killTimer]) if (t) clearTimeout(t);
    const log = this.takeLines(worker);
    const base = { runId: worker.runId, attempt: worker.attempt, ...(log.length ? { log } : {}) };
    const ending = worker.ending;
    if (ending?.by === 'deadline') {
      this.emit({ ...base, kind: 'FAILED', reason: `the attempt ran past its deadline of ${ending.seconds} s and was stopped` });
    } else if (ending?.by === 'stop') {
      this.emit({ ...base, kind: 'EXITED', reason: 'stopped on request' });
    } else if (code === 0) {
      this.emit({ ...base, kind: 'EXITED' });
    } else if (signal === 'SIGKILL') {
      // Killed from outside (the OOM killer, an operator): the worker is lost, not the run's fault; retry from the checkpoint.
      this.emit({ ...base, kind: 'LOST', reason: 'the trainer was killed (SIGKILL; out of memory?)' });
    } else if (signal) {
      this.emit({ ...base, kind: 'LOST', reason: `the trainer was stopped by ${signal}` });
    } else {
      this.emit({ ...base, kind: 'FAILED', reason: `the trainer exited with code ${code}${worker.lastError ? `: ${worker.lastError.slice(0, 300)}` : ''}` });
    }
  }

  private emit(event: WorkerEvent): void {
    if (this.closed || !this.listener) return;
    try {
      this.listener(event);
    } catch {
      // The listener's failure is the listener's; the executor keeps watching.
    }
  }
}

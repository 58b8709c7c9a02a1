/**
 * What the trainer tells the API while it trains: heartbeats on a timer, metric points and
 * progress in batches, events. Nothing here blocks a training step: requests are started and
 * left to finish while the loop runs (the ML loop yields to the event loop every ~100 ms, and
 * `progress()` also sends a heartbeat that is due, so a long stretch of steps cannot starve it).
 *
 * - Heartbeats: one at `start()`, then every `heartbeatMs`; never two in flight. `{cancel: true}`
 *   calls `onCancel`. A transient failure is logged and the next beat tries again (the API
 *   requeues the run only after several missed beats).
 * - Metric points are posted in order, at most every `flushMs`, with the latest progress; a failed
 *   batch is kept and sent again with the next one.
 * - A refusal (401 / 409) anywhere calls `onRefused` once; after that nothing more is sent.
 */
import type { MetricPoint, Progress } from '../ml/task';
import { RefusedError, type TrainerClient } from './trainer-client';

export interface RunReporterOptions {
  heartbeatMs: number;
  /** Minimum time between two metric posts (default 500 ms). */
  flushMs?: number;
  onCancel(): void;
  onRefused(error: RefusedError): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

export class RunReporter {
  private readonly flushMs: number;
  private points: MetricPoint[] = [];
  private latest: Progress | null = null;
  private progressDirty = false;
  private lastFlush = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatInFlight: Promise<void> | null = null;
  private lastBeat = 0;
  private refused = false;
  private stopped = false;

  constructor(private readonly client: TrainerClient, private readonly options: RunReporterOptions) {
    this.flushMs = options.flushMs ?? 500;
  }

  /** First heartbeat now (it moves the run to RUNNING), then on a timer. */
  start(): Promise<void> {
    this.heartbeatTimer = setInterval(() => this.maybeHeartbeat(), Math.max(50, Math.round(this.options.heartbeatMs / 4)));
    return this.heartbeat();
  }

  metric(point: MetricPoint): void {
    this.points.push(point);
    this.schedule();
  }

  progress(progress: Progress): void {
    this.latest = progress;
    this.progressDirty = true;
    this.schedule();
    this.maybeHeartbeat();
  }

  /** Posts an event; failures are logged, never thrown. */
  async event(level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): Promise<void> {
    if (this.refused || this.stopped) return;
    try {
      await this.client.event(level, message, data);
    } catch (e) {
      this.failed('event', e);
    }
  }

  /** Sends every buffered point and waits for all posts so far. */
  async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.send();
    await this.chain;
  }

  /** Stops the timers and waits for a heartbeat in flight. Buffered points are dropped (call `flush()` first). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.heartbeatTimer = this.flushTimer = null;
    await this.heartbeatInFlight;
  }

  private maybeHeartbeat(): void {
    if (Date.now() - this.lastBeat >= this.options.heartbeatMs) void this.heartbeat();
  }

  private heartbeat(): Promise<void> {
    if (this.heartbeatInFlight) return this.heartbeatInFlight;
    if (this.refused || this.stopped) return Promise.resolve();
    this.lastBeat = Date.now();
    const p = this.latest;
    this.heartbeatInFlight = this.client
      .heartbeat(p ? { step: p.step, totalSteps: p.totalSteps, epoch: p.epoch, totalEpochs: p.totalEpochs, etaSeconds: p.etaSeconds } : null)
      .then((answer) => {
        if (answer.cancel) this.options.onCancel();
      })
      .catch((e: unknown) => this.failed('heartbeat', e))
      .finally(() => {
        this.heartbeatInFlight = null;
      });
    return this.heartbeatInFlight;
  }

  private schedule(): void {
    if (this.flushTimer || this.refused || this.stopped) return;
    const wait = Math.max(0, this.lastFlush + this.flushMs - Date.now());
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.send();
    }, wait);
  }

  private send(): void {
    if (this.refused) return;
    if (this.points.length === 0 && !this.progressDirty) return;
    const points = this.points;
    const progress = this.progressDirty ? this.latest : null;
    this.points = [];
    this.progressDirty = false;
    this.lastFlush = Date.now();
    this.chain = this.chain.then(async () => {
      if (this.refused) return;
      try {
        await this.client.metrics(points, progress);
      } catch (e) {
        if (!(e instanceof RefusedError)) {
          this.points = points.concat(this.points); // keep the order; sent again with the next batch
          if (progress) this.progressDirty = true;
          this.schedule();
        }
        this.failed('metrics', e);
      }
    });
  }

  private failed(what: string, e: unknown): void {
    if (e instanceof RefusedError) {
      if (!this.refused) {
        this.refused = true;
        this.options.onRefused(e);
      }
      return;
    }
    if ((this.refused || this.stopped) && (e as Error).name === 'AbortError') return;
    this.options.log('warn', `${what} not delivered: ${(e as Error).message}`);
  }
}

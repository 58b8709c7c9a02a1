/**
 * The trainer's side of the internal HTTP protocol (`README.md` beside this file): one method per
 * route, the run token and attempt on every request, retries for transient failures.
 *
 * A `401` or `409 {"error":"SUPERSEDED"}` is never retried: it throws {@link RefusedError} and the
 * trainer stops at once without reporting anything else. Network errors, `429` and `5xx` are retried
 * a few times with backoff, then thrown. The token never appears in an error message.
 */
import type { Metrics, MetricPoint, Progress } from '../ml/task';

/** `GET /spec`. `task` is the API's enum (`RECOMMENDATION` …); the trainer maps it to the ML core's name. */
export interface RunSpec {
  runId: string;
  attempt: number;
  task: string;
  hyperparameters: unknown;
  seed: number | null;
  dataset: { sha256: string; rowCount: number };
  parent: null | { versionId: string };
  checkpoint: null | { key: string | null; epoch: number; step: number };
}

export interface HeartbeatProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  totalEpochs: number;
  etaSeconds: number | null;
}

export interface CompleteBody {
  evaluation: { split: string; metrics: Metrics; baseline: Metrics; details?: Record<string, unknown> };
  backend: string;
  examplesPerSecond: number;
  epochs: number;
  steps: number;
}

export interface FailBody {
  code: string;
  message: string;
  retryable: boolean;
}

export interface TrainerConnection {
  apiUrl: string;
  runId: string;
  attempt: number;
  token: string;
}

/** The API refused the request for good: token of another run / expired (401) or a superseded attempt (409). */
export class RefusedError extends Error {
  constructor(readonly status: number, readonly reason: string) {
    super(`the API refused this attempt (${status} ${reason})`);
    this.name = 'RefusedError';
  }
}

/** Any other non-2xx answer after retries. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

interface RequestOptions {
  body?: unknown;
  bytes?: Uint8Array;
  /** Attempts in all (default 3). */
  attempts?: number;
  timeoutMs?: number;
  /** Aborts this request as well (e.g. the dataset download on cancellation). */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class TrainerClient {
  private readonly base: string;

  /** `signal` aborts every request in flight (cancellation, refusal). */
  constructor(private readonly conn: TrainerConnection, private readonly signal?: AbortSignal) {
    this.base = `${conn.apiUrl.replace(/\/+$/, '')}/internal/runs/${encodeURIComponent(conn.runId)}`;
  }

  /** Removes the token from a message (for logs and `/fail`). */
  scrub(message: string): string {
    return this.conn.token ? message.split(this.conn.token).join('<token>') : message;
  }

  spec(): Promise<RunSpec> {
    return this.json<RunSpec>('GET', '/spec');
  }

  /** The dataset's canonical JSONL, as a stream of text chunks. */
  async *dataset(signal?: AbortSignal): AsyncGenerator<string> {
    const res = await this.send('GET', '/dataset', { timeoutMs: 0, signal });
    if (!res.body) return;
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) yield decoder.decode(chunk, { stream: true });
    const tail = decoder.decode();
    if (tail) yield tail;
  }

  async parent(signal?: AbortSignal): Promise<Uint8Array> {
    return new Uint8Array(await (await this.send('GET', '/parent', { timeoutMs: 0, signal })).arrayBuffer());
  }

  heartbeat(progress: HeartbeatProgress | null): Promise<{ cancel: boolean }> {
    return this.json('POST', '/heartbeat', { body: progress ? { progress } : {}, attempts: 1 });
  }

  metrics(points: MetricPoint[], progress: Progress | null): Promise<{ accepted: number }> {
    return this.json('POST', '/metrics', { body: progress ? { points, progress } : { points } });
  }

  event(level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): Promise<unknown> {
    return this.json('POST', '/events', { body: data ? { level, message: this.scrub(message), data } : { level, message: this.scrub(message) } });
  }

  async putCheckpoint(name: string, bytes: Uint8Array): Promise<void> {
    await this.send('PUT', `/checkpoints/${encodeURIComponent(name)}`, { bytes });
  }

  async getCheckpoint(name: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.send('GET', `/checkpoints/${encodeURIComponent(name)}`, {})).arrayBuffer());
  }

  async listCheckpoints(): Promise<string[]> {
    return (await this.json<{ names: string[] }>('GET', '/checkpoints')).names;
  }

  async putArtifact(bytes: Uint8Array): Promise<void> {
    await this.send('PUT', '/artifact', { bytes, timeoutMs: 0 });
  }

  complete(body: CompleteBody): Promise<unknown> {
    return this.json('POST', '/complete', { body });
  }

  fail(body: FailBody): Promise<unknown> {
    return this.json('POST', '/fail', { body: { ...body, message: this.scrub(body.message) } });
  }

  private async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, options);
    const text = await res.text();
    return (text ? JSON.parse(text) : {}) as T;
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const attempts = options.attempts ?? 3;
    const headers: Record<string, string> = { authorization: `Bearer ${this.conn.token}`, 'x-run-attempt': String(this.conn.attempt) };
    let body: string | Uint8Array | undefined;
    if (options.bytes) {
      headers['content-type'] = 'application/octet-stream';
      body = options.bytes;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const timeoutMs = options.timeoutMs ?? 30_000;
    let lastError: unknown;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await sleep(250 * 4 ** (i - 1));
      this.signal?.throwIfAborted();
      options.signal?.throwIfAborted();
      const signals = [this.signal, options.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter((s): s is AbortSignal => s !== undefined);
      let res: Response;
      try {
        res = await fetch(this.base + path, { method, headers, body, signal: signals.length ? AbortSignal.any(signals) : undefined });
      } catch (e) {
        if (this.signal?.aborted || options.signal?.aborted) throw e;
        lastError = new ApiError(0, `${method} ${path}: ${this.scrub((e as Error).message)}${(e as Error).cause ? ` (${this.scrub(String((e as Error).cause))})` : ''}`);
        continue;
      }
      if (res.ok) return res;
      const text = await res.text().catch(() => '');
      let reason = text.slice(0, 200);
      try {
        const parsed = JSON.parse(text) as { error?: unknown };
        if (typeof parsed.error === 'string') reason = parsed.error;
      } catch {
        // not JSON: keep the text
      }
      if (res.status === 401 || res.status === 409) throw new RefusedError(res.status, reason || (res.status === 401 ? 'UNAUTHORIZED' : 'CONFLICT'));
      lastError = new ApiError(res.status, `${method} ${path}: ${res.status} ${this.scrub(reason)}`);
      if (res.status !== 429 && res.status < 500) break;
    }
    throw lastError;
  }
}

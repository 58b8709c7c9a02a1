/**
 * `ingest` across two threads: this (the calling) thread receives the bytes, counts and hashes
 * them and writes the canonical lines to the sink; a worker thread (`ingest-worker.ts`) runs the
 * ordinary `ingest` on them (decode, parse, validate, stats, splits, preview, errors). The work
 * overlaps on two cores; the result is the one `ingest` gives, computed by the same code.
 *
 * Memory stays flat: input is copied into 1 MB batches that are transferred (not cloned), and
 * at most `IN_FLIGHT_BYTES` of them are unacknowledged before the source is paused; the worker
 * holds at most 4 MB of output the sink has not written before it stops parsing.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { IngestOptionsError, validateIngestOptions } from './options';
import { releaseBuffer } from './release-buffer';
import { listenToSource, stopReading } from './source-listeners';
import type { IngestOptions, IngestResult } from './types';
import type { FromWorker, ToWorker, WorkerIngestOptions } from './worker-protocol';

const BATCH_BYTES = 1024 * 1024;
/** Input posted to the worker and not yet taken by it, before the source is paused. */
const IN_FLIGHT_BYTES = 4 * BATCH_BYTES;

/** The compiled worker entry: beside this file in `dist/`, or the build's copy when running from sources (tests). */
export function ingestWorkerScript(): string {
  const beside = path.join(__dirname, 'ingest-worker.js');
  if (fs.existsSync(beside)) return beside;
  const built = path.resolve(__dirname, '../../../dist/src/datasets/ingest/ingest-worker.js');
  if (fs.existsSync(built)) return built;
  throw new Error(`ingest worker script not found (${beside}); run npm run build`);
}

/**
 * `ingest(source, sink, opts)` with the parsing on a worker thread: the same contract and the
 * same result (rows, errors, lines, stats, splits, preview; sha256 and byteSize of the raw bytes).
 * One difference: after a fatal error other than TOO_LARGE, sha256 and byteSize may cover a few
 * MB more than the parser had reached (what this thread had read when the worker stopped).
 * Rejects also when the worker thread fails.
 */
export function ingestInWorker(source: NodeJS.ReadableStream, sink: NodeJS.WritableStream, opts: IngestOptions, script = ingestWorkerScript()): Promise<IngestResult> {
  const problems = validateIngestOptions(opts);
  if (problems.length) return Promise.reject(new IngestOptionsError(problems));
  return new ThreadedRun(source, sink, opts, script).run();
}

class ThreadedRun {
  private readonly hash = createHash('sha256');
  private readonly worker: Worker;
  private byteSize = 0;
  private batch: Buffer | null = null;
  private batchLength = 0;
  private flushScheduled = false;
  /** Bytes posted to the worker and not yet taken. */
  private inFlight = 0;
  private paused = false;
  /** No more bytes go to the worker (the source ended or failed, or TOO_LARGE). */
  private stopped = false;
  private sourceEnded = false;
  private done = false;
  private resolve: (r: IngestResult) => void = () => undefined;
  private reject: (e: Error) => void = () => undefined;
  /** Stops listening to the source (set once it is listened to; before that, only stops it). */
  private unlisten = (ended: boolean): void => {
    if (!ended) stopReading(this.source);
  };

  constructor(private readonly source: NodeJS.ReadableStream, private readonly sink: NodeJS.WritableStream, private readonly opts: IngestOptions, script: string) {
    // The worker's chunks are batches this side made; it releases the source's chunks itself (onData).
    const { signal: _signal, endSink: _endSink, releaseChunks: _releaseChunks, ...rest } = opts;
    const workerOpts: WorkerIngestOptions = rest;
    this.worker = new Worker(script, { workerData: workerOpts });
  }

  run(): Promise<IngestResult> {
    return new Promise<IngestResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.worker.on('message', this.onMessage);
      this.worker.on('error', (err) => this.crash(err));
      this.worker.on('exit', (code) => this.crash(new Error(`the ingest worker exited (code ${code}) before its result`)));
      this.sink.on('error', this.onSinkError);
      const signal = this.opts.signal;
      if (signal?.aborted) return this.onAbort();
      signal?.addEventListener('abort', this.onAbort, { once: true });
      this.unlisten = listenToSource(this.source, { data: this.onData, end: this.onEnd, error: this.onSourceError, close: this.onClose, aborted: this.onClientAborted });
    });
  }

  private post(message: ToWorker, transfer?: ArrayBuffer[]): void {
    if (!this.done) this.worker.postMessage(message, transfer);
  }

  // ── input: count, hash, batch, backpressure ──────────────────────────────────────────────

  private readonly onData = (chunk: Buffer | string): void => {
    if (this.stopped) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.byteSize += bytes.length;
    // Like `ingest`: the chunk that crosses maxBytes is counted, not hashed; the worker then
    // fails with TOO_LARGE and no more bytes are read.
    if (this.byteSize > this.opts.maxBytes) {
      // Its own message, so the worker parses what came before it as `ingest` would have.
      this.flush();
      this.append(bytes);
      this.stop();
      return;
    }
    this.hash.update(bytes);
    this.append(bytes);
    if (this.opts.releaseChunks && bytes === chunk) releaseBuffer(bytes); // copied into the batch
    if (!this.paused && this.inFlight + this.batchLength >= IN_FLIGHT_BYTES) {
      this.paused = true;
      this.source.pause();
    }
  };

  private append(bytes: Buffer): void {
    let at = 0;
    while (at < bytes.length) {
      this.batch ??= Buffer.allocUnsafeSlow(BATCH_BYTES);
      const n = bytes.copy(this.batch, this.batchLength, at);
      this.batchLength += n;
      at += n;
      if (this.batchLength === BATCH_BYTES) this.flush();
    }
    if (this.batchLength && !this.flushScheduled) {
      // A partial batch goes when this turn of the event loop has read what the socket had.
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    const batch = this.batch;
    if (!batch || this.batchLength === 0) return;
    const chunk = batch.subarray(0, this.batchLength);
    this.inFlight += chunk.length;
    this.batch = null;
    this.batchLength = 0;
    this.post({ type: 'data', chunk }, [batch.buffer as ArrayBuffer]);
  }

  /** No more bytes for the worker: the rest of the source is not read. */
  private stop(): void {
    this.flush();
    this.stopped = true;
    this.detachSource();
  }

  private readonly onEnd = (): void => {
    this.sourceEnded = true;
    if (this.stopped) return;
    this.stop();
    this.post({ type: 'source', event: 'end' });
  };

  private sourceFailed(event: 'close' | 'aborted' | 'error', message?: string): void {
    if (this.stopped) return;
    this.stop();
    this.post({ type: 'source', event, message });
  }

  private readonly onSourceError = (err: Error): void => this.sourceFailed('error', err.message);
  private readonly onClose = (): void => {
    if (!this.sourceEnded) this.sourceFailed('close');
  };
  private readonly onClientAborted = (): void => this.sourceFailed('aborted');
  private readonly onAbort = (): void => {
    this.stop();
    this.post({ type: 'abort' });
  };

  // ── from the worker: acknowledgements, output, the result ───────────────────────────────

  private readonly onMessage = (message: FromWorker): void => {
    if (this.done) return;
    switch (message.type) {
      case 'taken':
        this.inFlight -= message.bytes;
        if (this.paused && !this.stopped && this.inFlight + this.batchLength < IN_FLIGHT_BYTES / 2) {
          this.paused = false;
          this.source.resume();
        }
        return;
      case 'out': {
        const { chunk } = message;
        const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        this.sink.write(bytes, () => this.post({ type: 'written', bytes: bytes.length }));
        return;
      }
      case 'result':
        return this.finish(message.result);
      case 'failed':
        return this.crash(new Error(message.message));
    }
  };

  private finish(result: IngestResult): void {
    this.done = true;
    this.stopped = true;
    this.detachSource();
    void this.worker.terminate();
    const complete = { ...result, sha256: this.hash.digest('hex') };
    if (this.opts.endSink === false) return this.resolve(complete);
    if (result.fatal) {
      this.sink.end();
      return this.resolve(complete);
    }
    this.sink.end(() => this.resolve(complete));
  }

  private crash(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.stopped = true;
    this.detachSource();
    void this.worker.terminate();
    this.reject(err);
  }

  private readonly onSinkError = (err: Error): void => this.crash(err);

  private detachSource(): void {
    this.unlisten(this.sourceEnded);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
  }

}

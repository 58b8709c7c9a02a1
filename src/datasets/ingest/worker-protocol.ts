/**
 * Messages between `ingestInWorker` (the calling thread: socket, sha256, sink) and
 * `ingest-worker.ts` (decoding, parsing, validation, stats, canonical lines). Byte batches are
 * transferred, never copied; each side acknowledges the bytes it has taken so the other keeps
 * at most a few MB in flight (backpressure across the thread boundary).
 */
import type { IngestOptions, IngestResult } from './types';

/** `IngestOptions` as they cross to the worker (an AbortSignal cannot: `abort` is a message). */
export type WorkerIngestOptions = Omit<IngestOptions, 'signal' | 'endSink'>;

export type ToWorker =
  /** Raw bytes of the upload, in order. */
  | { type: 'data'; chunk: Uint8Array }
  /** The calling side wrote `bytes` of output to the sink. */
  | { type: 'written'; bytes: number }
  /** What happened to the source: `end`, `close`, `aborted` (client gone), `error` (with its message). */
  | { type: 'source'; event: 'end' | 'close' | 'aborted' | 'error'; message?: string }
  /** The caller's AbortSignal fired. */
  | { type: 'abort' };

export type FromWorker =
  /** The worker took `bytes` of input. */
  | { type: 'taken'; bytes: number }
  /** Canonical lines for the sink, in order. */
  | { type: 'out'; chunk: Uint8Array }
  /** The run is over (sha256 `''`: the calling side hashed the bytes); every `out` came before it. */
  | { type: 'result'; result: IngestResult }
  /** `ingest` rejected (invalid options): the message. */
  | { type: 'failed'; message: string };

/**
 * The worker-thread half of `ingestInWorker`: runs the ordinary `ingest` on bytes that arrive as
 * messages and sends its canonical lines back. Its module graph is this folder only (no
 * database, GraphQL or ML code), so the thread costs a few MB.
 */
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { runIngest } from './ingest';
import { OUT_BATCH_BYTES } from './output-buffer';
import type { FromWorker, ToWorker, WorkerIngestOptions } from './worker-protocol';

/** Output sent and not yet written by the calling side before `ingest` waits (its `drain`). */
const OUT_IN_FLIGHT_BYTES = 4 * OUT_BATCH_BYTES;

const port = parentPort!;
const send = (message: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

/** The upload as a paused-or-flowing source: bytes queue while `ingest` has paused it. */
class PortSource extends EventEmitter {
  private readonly queue: Buffer[] = [];
  private flowing = false;
  private ended = false;

  take(chunk: Uint8Array): void {
    this.queue.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.pump();
  }

  end(): void {
    this.ended = true;
    this.pump();
  }

  pause(): this {
    this.flowing = false;
    return this;
  }

  resume(): this {
    this.flowing = true;
    this.pump();
    return this;
  }

  private pump(): void {
    while (this.flowing && this.queue.length) {
      const chunk = this.queue.shift()!;
      this.emit('data', chunk);
      send({ type: 'taken', bytes: chunk.length });
    }
    if (this.flowing && this.ended && !this.queue.length) {
      this.ended = false;
      this.emit('end');
    }
  }
}

/** The sink: each batch is transferred to the calling side, which acknowledges it once written. */
class PortSink extends Writable {
  private inFlight = 0;
  private waiting: (() => void) | null = null;

  constructor() {
    super({ highWaterMark: OUT_BATCH_BYTES });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    // An output batch owns its whole ArrayBuffer (`OutputBuffer` allocates each one unpooled).
    const owned = chunk.byteOffset === 0 && chunk.buffer.byteLength >= OUT_BATCH_BYTES;
    send({ type: 'out', chunk }, owned ? [chunk.buffer as ArrayBuffer] : undefined);
    this.inFlight += chunk.length;
    if (this.inFlight < OUT_IN_FLIGHT_BYTES) callback();
    else this.waiting = callback;
  }

  written(bytes: number): void {
    this.inFlight -= bytes;
    const waiting = this.waiting;
    if (waiting && this.inFlight < OUT_IN_FLIGHT_BYTES) {
      this.waiting = null;
      waiting();
    }
  }
}

const source = new PortSource();
const sink = new PortSink();
const abort = new AbortController();
port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'data': return source.take(message.chunk);
    case 'written': return sink.written(message.bytes);
    case 'abort': return abort.abort();
    case 'source':
      if (message.event === 'end') return source.end();
      if (message.event === 'error') return void source.emit('error', new Error(message.message));
      return void source.emit(message.event);
  }
});

runIngest(source as unknown as NodeJS.ReadableStream, sink, { ...(workerData as WorkerIngestOptions), signal: abort.signal }, false).then(
  (result) => send({ type: 'result', result }),
  (err: Error) => send({ type: 'failed', message: err.message }),
);

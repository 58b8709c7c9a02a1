import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Logger } from 'pino';
import type { TextAnswers, TextCall } from '../ml/serving';
import { MlError, TaskName } from '../ml/task';
import { ServedModel } from './served-model';
import type { WorkerReply, WorkerRequest } from './worker-protocol';

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Slot {
  worker: Worker;
  alive: boolean;
  /** Requests sent and not answered: the least busy worker gets the next batch. */
  inFlight: number;
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
}

/** The compiled worker entry: beside this file in `dist/`, or the build's copy when running from sources (tests). */
function workerScript(): string {
  const beside = path.join(__dirname, 'model-worker.js');
  if (fs.existsSync(beside)) return beside;
  const built = path.resolve(__dirname, '../../dist/src/inference/model-worker.js');
  if (fs.existsSync(built)) return built;
  throw new Error(`inference worker script not found (${beside}); run npm run build`);
}

function asError(error: Extract<WorkerReply, { ok: false }>['error']): Error {
  return error.ml ? new MlError(error.ml.code, error.message, { field: error.ml.field, details: error.ml.details }) : new Error(error.message);
}

/**
 * Worker threads that run text models (translation, summarization, classification), so a batch's
 * compute (tens to hundreds of milliseconds of synchronous tfjs work) neither blocks the API's
 * event loop nor waits for it, and every core can decode. Each model is loaded in every worker; a
 * batch goes to the least busy one. A worker that dies fails its in-flight requests, is replaced,
 * and the `onLost` handlers run (the model cache drops worker-held models, which reload on demand).
 */
export class ModelWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly lostHandlers: (() => void)[] = [];
  private seq = 0;
  private loads = 0;
  private stopped = false;

  /** Workers start with the first model loaded, so an API that serves no text model runs none. */
  constructor(readonly size: number, private readonly log: Logger, private readonly script = workerScript()) {}

  onLost(handler: () => void): void {
    this.lostHandlers.push(handler);
  }

  /** Loads an artifact (tar bytes) into every worker. */
  async load(artifact: Uint8Array): Promise<ServedModel> {
    // A key per load: a late `unload` of an evicted copy never removes a fresh copy of the same version.
    const key = `m${++this.loads}`;
    if (this.stopped) throw new Error('the inference workers are stopped');
    while (this.slots.length < this.size) this.slots.push(this.spawn());
    const slots = this.slots.filter((s) => s.alive);
    if (!slots.length) throw new Error('no inference worker is running');
    const infos = (await Promise.all(slots.map((s) => this.send(s, { type: 'load', key, artifact })))) as { task: TaskName; bytes: number }[];
    let disposed = false;
    return {
      task: infos[0].task,
      bytes: infos[0].bytes * slots.length,
      recommender: null,
      answer: async (call: TextCall, texts: string[]) => {
        const ready = slots.filter((s) => s.alive);
        if (!ready.length) throw new Error('the inference workers holding this model restarted: retry');
        const slot = ready.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
        return (await this.send(slot, { type: 'run', key, call, texts })) as TextAnswers;
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        for (const s of slots) if (s.alive) this.send(s, { type: 'unload', key }).catch(() => undefined);
      },
    };
  }

  /** Tensors held by the workers (a leak check). */
  async numTensors(): Promise<number> {
    const counts = await Promise.all(this.slots.filter((s) => s.alive).map((s) => this.send(s, { type: 'memory' })));
    return (counts as number[]).reduce((a, b) => a + b, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(this.script);
    worker.unref();
    const slot: Slot = { worker, alive: true, inFlight: 0, pending: new Map() };
    worker.on('message', (reply: WorkerReply) => {
      const waiting = slot.pending.get(reply.id);
      if (!waiting) return;
      slot.pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(asError(reply.error));
    });
    worker.on('error', (err) => this.log.error({ err }, 'inference worker failed'));
    worker.on('exit', (code) => {
      slot.alive = false;
      for (const waiting of slot.pending.values()) waiting.reject(new Error(`the inference worker stopped (exit code ${code})`));
      slot.pending.clear();
      if (this.stopped) return;
      this.log.error({ code }, 'inference worker exited; starting another');
      this.slots[this.slots.indexOf(slot)] = this.spawn();
      for (const handler of this.lostHandlers) handler();
    });
    return slot;
  }

  private send(slot: Slot, request: Request): Promise<unknown> {
    if (!slot.alive) return Promise.reject(new Error('the inference worker stopped'));
    const id = ++this.seq;
    slot.inFlight++;
    return new Promise<unknown>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ ...request, id });
    }).finally(() => {
      slot.inFlight--;
    });
  }

  /** Test hook: ends worker `index` abruptly, as a crash would. */
  crashForTest(index: number): Promise<number> {
    return this.slots[index].worker.terminate();
  }
}

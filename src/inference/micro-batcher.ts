/**
 * Micro-batching with at most `concurrency` batches in flight per key (model version + options):
 * one per thread that can run the model. An item for a key with a free slot waits at most
 * `windowMs` for company, then runs; items arriving while every slot is busy wait and then run
 * together as the next batch (up to `maxBatch`), so under load batches grow by themselves and at
 * low load nothing waits longer than the window. Batches never interleave on a single-threaded
 * backend. One request may submit several items (a list of
 * texts); each gets its own result, or its own error, so one bad item never fails its neighbours.
 */
export interface BatcherOptions {
  /** How long the first item of a batch waits for company; 0 = the next turn of the event loop. */
  windowMs: number;
  /** A batch never holds more; a full batch runs at once. */
  maxBatch: number;
  /** Batches of one key that may run at once (one per inference worker); default 1. */
  concurrency?: number;
}

/** Runs a batch; returns one result or Error per item, in order. */
export type BatchRunner<I, O> = (items: I[]) => Promise<Array<O | Error>>;

interface Waiting<I, O> {
  item: I;
  /** The submitter's runner: a batch runs with its first item's, whose request is still waiting (and so holds its model). */
  run: BatchRunner<I, O>;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

interface Queue<I, O> {
  waiting: Waiting<I, O>[];
  timer: NodeJS.Timeout | null;
  /** Batches of this key running; the next one starts when one ends. */
  running: number;
}

export interface BatcherStats {
  batches: number;
  items: number;
  largestBatch: number;
}

export class MicroBatcher {
  private readonly queues = new Map<string, Queue<unknown, unknown>>();
  private counters: BatcherStats = { batches: 0, items: 0, largestBatch: 0 };

  constructor(private readonly options: BatcherOptions) {}

  /**
   * Queues `items` under `key`; resolves with their results in order. Every submitter of a key must
   * pass an equivalent `run` (same model version, same options).
   */
  submit<I, O>(key: string, items: I[], run: BatchRunner<I, O>): Promise<O[]> {
    let queue = this.queues.get(key) as Queue<I, O> | undefined;
    if (!queue) {
      queue = { waiting: [], timer: null, running: 0 };
      this.queues.set(key, queue as Queue<unknown, unknown>);
    }
    const q = queue;
    const results = items.map((item) => new Promise<O>((resolve, reject) => q.waiting.push({ item, run, resolve, reject })));
    if (q.running < this.concurrency) {
      if (q.waiting.length >= this.options.maxBatch) this.flush(key);
      else q.timer ??= setTimeout(() => this.flush(key), this.options.windowMs);
    }
    return Promise.all(results);
  }

  private get concurrency(): number {
    return this.options.concurrency ?? 1;
  }

  private flush(key: string): void {
    const queue = this.queues.get(key);
    if (!queue || queue.running >= this.concurrency) return;
    if (queue.timer) clearTimeout(queue.timer);
    queue.timer = null;
    const batch = queue.waiting.splice(0, this.options.maxBatch);
    if (!batch.length) {
      if (!queue.running) this.queues.delete(key);
      return;
    }
    queue.running++;
    this.counters.batches++;
    this.counters.items += batch.length;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
    const settle = (out: Array<unknown> | null, err?: unknown) => {
      batch.forEach((w, i) => {
        if (!out) return w.reject(err);
        const r = out[i];
        if (out.length !== batch.length) w.reject(new Error(`batch returned ${out.length} results for ${batch.length} items`));
        else if (r instanceof Error) w.reject(r);
        else w.resolve(r);
      });
      queue.running--;
      // What arrived meanwhile runs now, as one batch.
      this.flush(key);
    };
    Promise.resolve()
      .then(() => batch[0].run(batch.map((w) => w.item)))
      .then((out) => settle(out), (err) => settle(null, err));
  }

  stats(): BatcherStats {
    return { ...this.counters };
  }
}

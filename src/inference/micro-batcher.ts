/**
 * Micro-batching: items submitted under the same key within `windowMs` of the first one (or until
 * `maxBatch` items wait) run as one batch. One request may submit several items (a list of texts);
 * each item gets its own result, or its own error, so one bad item never fails its neighbours.
 */
export interface BatcherOptions {
  /** How long the first item of a batch waits for company; 0 = the next turn of the event loop. */
  windowMs: number;
  /** A batch never holds more; a full batch runs at once. */
  maxBatch: number;
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
      queue = { waiting: [], timer: null };
      this.queues.set(key, queue as Queue<unknown, unknown>);
    }
    const q = queue;
    const results = items.map((item) => new Promise<O>((resolve, reject) => q.waiting.push({ item, run, resolve, reject })));
    if (q.waiting.length >= this.options.maxBatch) this.flush(key);
    else if (!q.timer) q.timer = setTimeout(() => this.flush(key), this.options.windowMs);
    return Promise.all(results);
  }

  private flush(key: string): void {
    const queue = this.queues.get(key);
    if (!queue) return;
    if (queue.timer) clearTimeout(queue.timer);
    queue.timer = null;
    const batch = queue.waiting.splice(0, this.options.maxBatch);
    if (queue.waiting.length) queue.timer = setTimeout(() => this.flush(key), 0);
    else this.queues.delete(key);
    if (!batch.length) return;
    this.counters.batches++;
    this.counters.items += batch.length;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
    batch[0].run(batch.map((w) => w.item)).then(
      (out) => {
        batch.forEach((w, i) => {
          const r = out[i];
          if (r instanceof Error) w.reject(r);
          else if (out.length !== batch.length) w.reject(new Error(`batch returned ${out.length} results for ${batch.length} items`));
          else w.resolve(r);
        });
      },
      (err) => batch.forEach((w) => w.reject(err)),
    );
  }

  stats(): BatcherStats {
    return { ...this.counters };
  }
}

/** What the cache holds: something that knows its size and can be freed. */
export interface Cacheable {
  readonly bytes: number;
  dispose(): void;
}

interface Entry<M extends Cacheable> {
  loading: Promise<M>;
  model: M | null;
  /** Requests using the model right now; an evicted entry is disposed when this reaches 0. */
  refs: number;
  evicted: boolean;
}

export interface CacheStats {
  entries: number;
  bytes: number;
  loads: number;
  hits: number;
  evictions: number;
}

/** A model in use: call `release()` when the request is done with it (always, in `finally`). */
export interface ModelHandle<M extends Cacheable> {
  model: M;
  release(): void;
}

/**
 * Loaded models keyed by version, bounded by artifact bytes (least recently used first out).
 * Concurrent first requests for a version share one load. A model evicted while requests still
 * use it is disposed when the last of them releases it, so no request ever sees freed tensors
 * and no tensor outlives its entry. A model larger than the whole budget is still served: it is
 * the only entry, and it goes as soon as another is loaded.
 */
export class ModelCache<M extends Cacheable> {
  private readonly entries = new Map<string, Entry<M>>();
  private bytes = 0;
  private counters = { loads: 0, hits: 0, evictions: 0 };

  constructor(private readonly maxBytes: number) {}

  async acquire(key: string, load: () => Promise<M>): Promise<ModelHandle<M>> {
    let entry = this.entries.get(key);
    if (entry) {
      this.counters.hits++;
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      this.counters.loads++;
      const fresh: Entry<M> = { loading: load(), model: null, refs: 0, evicted: false };
      entry = fresh;
      this.entries.set(key, fresh);
      fresh.loading.then(
        (model) => {
          fresh.model = model;
          if (fresh.evicted) return;
          this.bytes += model.bytes;
          this.shrink(key);
        },
        () => {
          // A failed load is forgotten, so the next request tries again.
          if (this.entries.get(key) === fresh) this.entries.delete(key);
        },
      );
    }
    entry.refs++;
    let model: M;
    try {
      model = await entry.loading;
    } catch (err) {
      entry.refs--;
      throw err;
    }
    const held = entry;
    let released = false;
    return {
      model,
      release: () => {
        if (released) return;
        released = true;
        held.refs--;
        if (held.evicted && held.refs === 0) held.model?.dispose();
      },
    };
  }

  /** Unloads a version now (e.g. it was deleted); requests using it finish first. */
  evict(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    entry.evicted = true;
    this.counters.evictions++;
    if (entry.model) {
      this.bytes -= entry.model.bytes;
      if (entry.refs === 0) entry.model.dispose();
    }
  }

  /** Evicts least recently used loaded entries until the budget holds, never `keep`. */
  private shrink(keep: string): void {
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) return;
      if (key !== keep && entry.model) this.evict(key);
    }
  }

  /** Unloads everything (server shutdown). */
  clear(): void {
    for (const key of [...this.entries.keys()]) this.evict(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  stats(): CacheStats {
    return { entries: this.entries.size, bytes: this.bytes, ...this.counters };
  }
}

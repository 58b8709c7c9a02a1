import { LRUCache } from 'lru-cache';
import type { ModelRef, ResolvedModel } from './model-registry.service';

/**
 * Recently resolved `ModelRef`s per tenant, so an invocation needs no database round trip to learn
 * which version serves it. Entries live `ttlMs` at most; alias moves, new and deleted versions drop
 * the tenant's entries at once (see `Invalidations`). A resolution that started before such a drop
 * is not stored (the tenant's generation moved on while it ran), so a slow reader never re-caches
 * the old answer. Only successful resolutions are cached: a model that appears is found at once.
 */
export class ModelRefCache {
  private readonly entries: LRUCache<string, ResolvedModel> | null;
  private readonly generations = new Map<string, number>();
  /** Bumped when every tenant's entries are dropped. */
  private epoch = 0;

  constructor(ttlMs: number, maxEntries = 10_000) {
    this.entries = ttlMs > 0 ? new LRUCache({ max: maxEntries, ttl: ttlMs, ttlAutopurge: false }) : null;
  }

  /** Resolves `ref` for `tenantId` through the cache; `load` runs the tenant-scoped query on a miss. */
  async resolve(tenantId: string, ref: ModelRef, load: () => Promise<ResolvedModel>): Promise<ResolvedModel> {
    if (!this.entries) return load();
    const key = `${tenantId}|${JSON.stringify([ref.id ?? null, ref.versionId ?? null, ref.name ?? null, ref.alias ?? null])}`;
    const hit = this.entries.get(key);
    if (hit) return hit;
    const generation = this.generationOf(tenantId);
    const resolved = await load();
    if (this.generationOf(tenantId) === generation) this.entries.set(key, resolved);
    return resolved;
  }

  /** Forgets what `tenantId`'s references resolved to (`null`: every tenant's). */
  invalidate(tenantId: string | null): void {
    if (!this.entries) return;
    if (tenantId === null) {
      this.epoch++;
      this.entries.clear();
      return;
    }
    this.generations.set(tenantId, (this.generations.get(tenantId) ?? 0) + 1);
    const prefix = `${tenantId}|`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  private generationOf(tenantId: string): string {
    return `${this.epoch}:${this.generations.get(tenantId) ?? 0}`;
  }
}

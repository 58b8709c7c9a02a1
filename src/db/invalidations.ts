import { EntityManager } from 'typeorm';
import { PgListener } from './pg-listener';

export const INVALIDATION_CHANNEL = 'tuneforge_invalidate';

/** The per-process caches that writes elsewhere can make stale. */
export type InvalidationTopic = 'model-refs' | 'api-keys';

/**
 * Drops `key` from `topic`'s caches on every replica (this one included) when `m`'s transaction
 * commits, for writers without the process's `Invalidations` at hand (there is no local drop
 * before the commit: the notification arrives milliseconds after it).
 */
export async function notifyInvalidation(m: EntityManager, topic: InvalidationTopic, key: string): Promise<void> {
  await m.query(`SELECT pg_notify($1, $2)`, [INVALIDATION_CHANNEL, JSON.stringify({ topic, key })]);
}

/** `null`: everything of the topic (sent after the LISTEN connection was down). */
type Handler = (key: string | null) => void;

/**
 * Cache invalidation across API replicas. A write that makes cached reads stale calls `publish`
 * inside its transaction: this process's caches drop the key at once, and a NOTIFY, delivered on
 * commit to every replica's LISTEN connection (this one's too), drops it everywhere, including any
 * entry a concurrent reader cached between the write and the commit. Caches still expire on their
 * own, so a lost notification costs at most one time-to-live of staleness.
 */
export class Invalidations {
  private readonly handlers = new Map<InvalidationTopic, Handler[]>();

  constructor(listener: PgListener | null) {
    listener?.on(INVALIDATION_CHANNEL, (payload) => {
      const { topic, key } = JSON.parse(payload) as { topic: InvalidationTopic; key: string };
      this.deliver(topic, key);
    });
    listener?.onReconnect(() => {
      for (const topic of this.handlers.keys()) this.deliver(topic, null);
    });
  }

  on(topic: InvalidationTopic, handler: Handler): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler]);
  }

  /** Drops `key` from `topic`'s caches here now and on every replica when `m`'s transaction commits. */
  async publish(m: EntityManager, topic: InvalidationTopic, key: string): Promise<void> {
    this.deliver(topic, key);
    await notifyInvalidation(m, topic, key);
  }

  private deliver(topic: InvalidationTopic, key: string | null): void {
    for (const handler of this.handlers.get(topic) ?? []) handler(key);
  }
}

import { Logger } from 'pino';
import { PgListener } from '../db/pg-listener';
import { RUN_CHANNEL } from './training-run.repository';
import { RUN_METRICS, RUN_UPDATED, RunNotice } from './training-run.resolver';

export interface PubSubLike {
  publish(topic: string, payload: unknown): void;
}

/**
 * Fans run changes out to this replica's GraphQL subscriptions. Changes are NOTIFYed inside the
 * transactions that make them, so every replica hears them (and only once committed) on its
 * LISTEN connection.
 */
export function followRunChanges(listener: PgListener, pubSub: PubSubLike, log: Logger): void {
  listener.on(RUN_CHANNEL, (payload) => {
    let notice: RunNotice;
    try {
      notice = JSON.parse(payload) as RunNotice;
    } catch (err) {
      log.warn({ err }, 'bad run notification');
      return;
    }
    if (notice.kind === 'updated') pubSub.publish(RUN_UPDATED, notice);
    else for (const point of notice.points ?? []) pubSub.publish(RUN_METRICS, { ...notice, points: undefined, point });
  });
}

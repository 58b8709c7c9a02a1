import { Client } from 'pg';
import { Logger } from 'pino';
import { RUN_CHANNEL } from './training-run.repository';
import { RUN_METRICS, RUN_UPDATED, RunNotice } from './training-run.resolver';

export interface PubSubLike {
  publish(topic: string, payload: unknown): void;
}

/**
 * Fans run changes out to this replica's GraphQL subscriptions. Changes are NOTIFYed inside the
 * transactions that make them, so every replica hears them (and only once committed); this
 * process LISTENs on one dedicated connection and reconnects when it drops.
 */
export class RunNotifier {
  private client: Client | null = null;
  private closed = false;

  constructor(private readonly url: string, private readonly pubSub: PubSubLike, private readonly log: Logger) {}

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: 'tuneforge-listen' });
    client.on('notification', (msg) => {
      if (msg.channel !== RUN_CHANNEL || !msg.payload) return;
      try {
        const notice = JSON.parse(msg.payload) as RunNotice;
        if (notice.kind === 'updated') this.pubSub.publish(RUN_UPDATED, notice);
        else for (const point of notice.points ?? []) this.pubSub.publish(RUN_METRICS, { ...notice, points: undefined, point });
      } catch (err) {
        this.log.warn({ err }, 'bad run notification');
      }
    });
    client.on('error', (err) => {
      this.log.warn({ err }, 'run notification connection lost; reconnecting');
      this.client = null;
      if (!this.closed) setTimeout(() => void this.start().catch(() => undefined), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${RUN_CHANNEL}`);
    this.client = client;
  }

  async stop(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }
}

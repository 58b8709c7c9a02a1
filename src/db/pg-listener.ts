import { Client } from 'pg';
import { Logger } from 'pino';

type Handler = (payload: string) => void;

/**
 * One dedicated LISTEN connection per process for every channel the process follows (run changes,
 * cache invalidations). Reconnects when it drops; notifications sent while it was down are lost,
 * so `onReconnect` handlers must assume they missed some (caches clear themselves).
 */
export class PgListener {
  private client: Client | null = null;
  private closed = false;
  private readonly handlers = new Map<string, Handler[]>();
  private readonly reconnectHandlers: (() => void)[] = [];

  constructor(private readonly url: string, private readonly log: Logger) {}

  /** Calls `handler` with each payload NOTIFYed on `channel`. Register before `start()`. */
  on(channel: string, handler: Handler): void {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }

  /** Runs after the connection came back: whatever was notified meanwhile was missed. */
  onReconnect(handler: () => void): void {
    this.reconnectHandlers.push(handler);
  }

  async start(reconnecting = false): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: 'tuneforge-listen' });
    client.on('notification', (msg) => {
      for (const handler of this.handlers.get(msg.channel) ?? []) {
        try {
          if (msg.payload) handler(msg.payload);
        } catch (err) {
          this.log.warn({ err, channel: msg.channel }, 'bad notification');
        }
      }
    });
    client.on('error', (err) => {
      this.log.warn({ err }, 'LISTEN connection lost; reconnecting');
      this.client = null;
      if (!this.closed) setTimeout(() => void this.start(true).catch(() => undefined), 1000).unref();
    });
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
    this.client = client;
    if (reconnecting) for (const handler of this.reconnectHandlers) handler();
  }

  async stop(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }
}

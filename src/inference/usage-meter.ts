import crypto from 'node:crypto';
import { Logger } from 'pino';
import { Database } from '../db/database';

/**
 * Counts inference requests per tenant in memory and writes them to the usage ledger
 * (`usage_records`, meter `inference_requests`) every few seconds: one row per tenant per flush,
 * not one per request, so counting costs no round trip on the serving path. Each row's
 * idempotency key names this process and the flush, so a retried insert never counts twice.
 * A crash loses at most one flush interval of counts (the trade Stripe's own guidance makes
 * for high-volume meters: aggregate, then report).
 */
export class InferenceUsageMeter {
  private pending = new Map<string, number>();
  /** Rows keyed but not yet written (kept with their keys across retries). */
  private unsent: { tenantId: string; quantity: number; key: string }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private seq = 0;
  private readonly replica = crypto.randomUUID();

  constructor(private readonly db: Database, private readonly flushSeconds: number, private readonly log: Logger) {}

  count(tenantId: string, requests = 1): void {
    this.pending.set(tenantId, (this.pending.get(tenantId) ?? 0) + requests);
    this.timer ??= setTimeout(() => void this.flush(), this.flushSeconds * 1000).unref();
  }

  /** Writes what was counted so far. Safe to call at any time; calls run one after another. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size) {
      const seq = ++this.seq;
      for (const [tenantId, quantity] of this.pending) this.unsent.push({ tenantId, quantity, key: `inference:${this.replica}:${seq}:${tenantId}` });
      this.pending = new Map();
    }
    if (!this.unsent.length) return;
    const rows = this.unsent;
    const values = rows.map((_, i) => `($${i * 3 + 1}::uuid, 'inference_requests', $${i * 3 + 2}::float8, $${i * 3 + 3})`).join(', ');
    const params = rows.flatMap((r) => [r.tenantId, r.quantity, r.key]);
    try {
      // A system write: one statement for every tenant counted (the ledger is RLS-protected for reads).
      // A retry resends the same keys, so a write that did commit before an error is not counted twice.
      await this.db.system((m) => m.query(`INSERT INTO usage_records (tenant_id, meter, quantity, idempotency_key) VALUES ${values} ON CONFLICT (idempotency_key) DO NOTHING`, params));
      this.unsent = this.unsent.slice(rows.length);
    } catch (err) {
      this.timer ??= setTimeout(() => void this.flush(), this.flushSeconds * 1000).unref();
      this.log.warn({ err, rows: rows.length }, 'inference usage flush failed; will retry');
    }
  }
}

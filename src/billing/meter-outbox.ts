import crypto from 'node:crypto';
import Stripe from 'stripe';
import { Logger } from 'pino';
import { Database } from '../db/database';
import { BillingService } from './billing.service';
import { METERED_PRICES } from './plans';
import { describeStripeError, isDuplicateMeterEvent, isTransient, statusOf } from './stripe-client';

export interface OutboxSettings {
  intervalSeconds: number;
  /** Meter events in flight at once. */
  concurrency: number;
  /** Upper bound of calls started per second. */
  maxPerSecond: number;
  /** A claimed row that is not marked within this long is claimed again. */
  leaseSeconds: number;
  /** Timeout of one Stripe call, ms: a send is only started while the lease outlasts it. */
  callTimeoutMs: number;
  /** Failed sends before a row is flagged for an operator. */
  maxAttempts: number;
  /** First retry delay, seconds (doubles per attempt, at most 300). */
  backoffSeconds: number;
}

interface ClaimedRow {
  id: string;
  tenant_id: string;
  meter: string;
  quantity: number;
  idempotency_key: string;
  occurred_at: Date;
  report_attempts: number;
}

interface Outcome {
  id: string;
  ok: boolean;
  error?: string;
  /** Retry after this many seconds. */
  retryIn?: number;
  flag?: boolean;
  /** Not sent (the lease ran short): claimable again at once. */
  released?: boolean;
}

export interface OutboxPass {
  claimed: number;
  reported: number;
  failed: number;
  flagged: number;
  cancelled: number;
}

/** Rows of an UPDATE … RETURNING (TypeORM answers `[rows, affected]` for updates). */
export const returned = <T>(result: unknown): T[] => (Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as T[]) : (result as T[]));

/** Ledger meters that have a Stripe meter and price (others, e.g. OpenAI tokens, stay in the ledger only). */
const STRIPE_METERS = Object.values(METERED_PRICES).map((p) => p.meter);

/** Stripe accepts meter events up to 35 days old; rows older than this (with an hour of margin) are flagged, never sent. */
const MAX_AGE_MS = 35 * 86_400_000 - 3_600_000;

/** The meter event identifier of a ledger row: its ledger key (deterministic, unique), hashed if longer than Stripe's 100 characters. */
export const meterEventIdentifier = (ledgerKey: string) => (ledgerKey.length <= 100 ? ledgerKey : `tf_${crypto.createHash('sha256').update(ledgerKey).digest('hex')}`);

/**
 * Reports the usage ledger to Stripe, exactly once per row:
 * - claims unreported rows with SKIP LOCKED and a lease (`next_report_at`), so replicas share the
 *   work and a row claimed by a worker that died is claimed again once its lease ends;
 * - sends one `billing.meterEvents.create` per row with the row's deterministic identifier, so a
 *   resend (after a timeout, a 500, or a crash between sending and marking) is deduplicated by
 *   Stripe, which answers "already exists" — proof of delivery, marked as reported;
 * - marks a row reported only after Stripe accepted it; 429, 5xx and timeouts back off
 *   exponentially; rows too old for Stripe or failing too often are flagged, never dropped;
 * - sends meter event adjustments (cancel by identifier) for rows an operator cancelled.
 */
export class MeterOutbox {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  private nextStart = 0;

  constructor(
    private readonly db: Database,
    private readonly stripe: Stripe,
    private readonly billing: BillingService,
    private readonly settings: OutboxSettings,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped || this.running) return;
      this.running = this.drain()
        .catch((err) => this.log.warn({ err }, 'billing outbox pass failed'))
        .finally(() => (this.running = null));
    };
    this.timer = setInterval(tick, this.settings.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Stops claiming; waits for the pass in flight (its rows are marked, or their leases run out). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Passes until nothing is due now. */
  async drain(): Promise<OutboxPass> {
    const total: OutboxPass = { claimed: 0, reported: 0, failed: 0, flagged: 0, cancelled: 0 };
    for (;;) {
      const pass = await this.pass();
      for (const k of Object.keys(total) as (keyof OutboxPass)[]) total[k] += pass[k];
      if (this.stopped || (pass.claimed === 0 && pass.cancelled === 0) || pass.reported + pass.cancelled === 0) return total;
    }
  }

  /** One claim → send → mark round of up to `limit` rows, then the pending cancellations. */
  async pass(limit = this.settings.concurrency * 50): Promise<OutboxPass> {
    const claimedAt = Date.now();
    const rows = returned<ClaimedRow>(await this.db.dataSource.query(
      `UPDATE usage_records u SET next_report_at = clock_timestamp() + make_interval(secs => $2), report_attempts = u.report_attempts + 1
         FROM (SELECT id FROM usage_records
                WHERE reported_at IS NULL AND flagged_at IS NULL AND cancel_requested_at IS NULL
                  AND meter = ANY($3::text[])
                  AND (next_report_at IS NULL OR next_report_at <= clock_timestamp())
                ORDER BY occurred_at LIMIT $1 FOR UPDATE SKIP LOCKED) c
        WHERE u.id = c.id
        RETURNING u.id, u.tenant_id, u.meter, u.quantity, u.idempotency_key, u.occurred_at, u.report_attempts`,
      [limit, this.settings.leaseSeconds, STRIPE_METERS],
    ));
    // A send starts only while the lease will outlast it, so another replica never re-claims a row
    // this one may still deliver; rows left over are released at once for the next claim.
    const sendBy = claimedAt + this.settings.leaseSeconds * 1000 - this.settings.callTimeoutMs - 500;
    const outcomes = rows.length ? await this.send(rows, sendBy) : [];
    const cancelled = await this.cancellations();
    const pass = { claimed: rows.length, reported: 0, failed: 0, flagged: 0, cancelled };
    for (const o of outcomes) {
      if (o.ok) pass.reported++;
      else if (o.released) continue;
      else if (o.flag) pass.flagged++;
      else pass.failed++;
    }
    if (pass.failed || pass.flagged) this.log.warn({ ...pass, example: outcomes.find((o) => !o.ok && !o.released)?.error }, 'some usage could not be reported to Stripe yet');
    return pass;
  }

  /** Sends rows `concurrency` at a time; outcomes are marked in batches as they come (a crash loses few marks). */
  private async send(rows: ClaimedRow[], sendBy: number): Promise<Outcome[]> {
    const customers = await this.customersOf([...new Set(rows.map((r) => r.tenant_id))]);
    const queue = [...rows];
    const outcomes: Outcome[] = [];
    let pending: Outcome[] = [];
    let marking = Promise.resolve();
    const flush = () => {
      const batch = pending;
      pending = [];
      marking = marking.then(() => this.mark(batch));
    };
    const worker = async () => {
      for (let row = queue.shift(); row; row = queue.shift()) {
        const outcome = Date.now() > sendBy ? { id: row.id, ok: false, released: true, retryIn: 0, error: 'released: the lease ran short' } : await this.sendOne(row, customers.get(row.tenant_id));
        outcomes.push(outcome);
        pending.push(outcome);
        if (pending.length >= 200) flush();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.concurrency, rows.length) }, worker));
    flush();
    await marking;
    return outcomes;
  }

  private async sendOne(row: ClaimedRow, customer: string | Error | undefined): Promise<Outcome> {
    if (Date.now() - row.occurred_at.getTime() > MAX_AGE_MS) {
      return { id: row.id, ok: false, flag: true, error: `older than the 35 days Stripe accepts meter events for (occurred ${row.occurred_at.toISOString()}): report it by hand` };
    }
    if (!customer || customer instanceof Error) return this.failure(row, customer ?? new Error('no Stripe customer'));
    await this.pace();
    try {
      await this.stripe.billing.meterEvents.create({
        event_name: row.meter,
        identifier: meterEventIdentifier(row.idempotency_key),
        timestamp: Math.floor(row.occurred_at.getTime() / 1000),
        payload: { stripe_customer_id: customer, value: String(Number(row.quantity)) },
      });
      return { id: row.id, ok: true };
    } catch (err) {
      if (isDuplicateMeterEvent(err)) return { id: row.id, ok: true };
      return this.failure(row, err);
    }
  }

  private failure(row: Pick<ClaimedRow, 'id' | 'report_attempts'>, err: unknown): Outcome {
    const error = describeStripeError(err);
    if (row.report_attempts >= this.settings.maxAttempts) return { id: row.id, ok: false, flag: true, error: `gave up after ${row.report_attempts} attempts: ${error}` };
    // Transient failures back off exponentially (1 s … 5 min, with jitter); other refusals (a
    // configuration problem such as a missing meter) are retried slowly until an operator looks.
    const base = isTransient(err) ? Math.min(this.settings.backoffSeconds * 2 ** (row.report_attempts - 1), 300) : 300;
    return { id: row.id, ok: false, error, retryIn: base * (0.5 + Math.random() / 2) };
  }

  /** Spreads call starts to at most maxPerSecond. */
  private async pace(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextStart);
    this.nextStart = at + 1000 / this.settings.maxPerSecond;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  private async customersOf(tenantIds: string[]): Promise<Map<string, string | Error>> {
    const rows: { tenant_id: string; stripe_customer_id: string | null }[] = await this.db.dataSource.query(
      `SELECT tenant_id, stripe_customer_id FROM tenant_billing WHERE tenant_id = ANY($1::uuid[])`,
      [tenantIds],
    );
    const map = new Map<string, string | Error>(rows.filter((r) => r.stripe_customer_id).map((r) => [r.tenant_id, r.stripe_customer_id!]));
    for (const tenantId of tenantIds.filter((t) => !map.has(t))) {
      map.set(tenantId, await this.billing.ensureCustomer(tenantId).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
    }
    return map;
  }

  private async mark(outcomes: Outcome[]): Promise<void> {
    const ok = outcomes.filter((o) => o.ok).map((o) => o.id);
    if (ok.length) {
      await this.db.dataSource.query(`UPDATE usage_records SET reported_at = clock_timestamp(), next_report_at = NULL, last_report_error = NULL WHERE id = ANY($1::uuid[])`, [ok]);
    }
    const failed = outcomes.filter((o) => !o.ok);
    if (failed.length) {
      await this.db.dataSource.query(
        `UPDATE usage_records u
            SET next_report_at = CASE WHEN f.flag THEN NULL ELSE clock_timestamp() + make_interval(secs => f.delay) END,
                last_report_error = f.err,
                flagged_at = CASE WHEN f.flag THEN clock_timestamp() END
           FROM unnest($1::uuid[], $2::float8[], $3::text[], $4::bool[]) AS f(id, delay, err, flag)
          WHERE u.id = f.id`,
        [failed.map((o) => o.id), failed.map((o) => o.retryIn ?? 0), failed.map((o) => o.error ?? ''), failed.map((o) => Boolean(o.flag))],
      );
    }
  }

  /**
   * Cancels, with a meter event adjustment, the rows an operator cancelled after they may have
   * reached Stripe. Stripe only cancels events it received in the last 24 hours: a refusal is
   * flagged for the operator (a credit note is the remedy then).
   */
  private async cancellations(): Promise<number> {
    const rows = returned<ClaimedRow>(await this.db.dataSource.query(
      `UPDATE usage_records u SET next_report_at = clock_timestamp() + make_interval(secs => $1)
         FROM (SELECT id FROM usage_records
                WHERE cancel_requested_at IS NOT NULL AND cancelled_at IS NULL AND flagged_at IS NULL
                  AND (next_report_at IS NULL OR next_report_at <= clock_timestamp())
                LIMIT 100 FOR UPDATE SKIP LOCKED) c
        WHERE u.id = c.id
        RETURNING u.id, u.meter, u.idempotency_key, u.report_attempts`,
      [this.settings.leaseSeconds],
    ));
    let done = 0;
    for (const row of rows) {
      try {
        await this.pace();
        await this.stripe.billing.meterEventAdjustments.create({ event_name: row.meter, type: 'cancel', cancel: { identifier: meterEventIdentifier(row.idempotency_key) } });
        await this.db.dataSource.query(`UPDATE usage_records SET cancelled_at = clock_timestamp(), next_report_at = NULL, last_report_error = NULL WHERE id = $1`, [row.id]);
        done++;
      } catch (err) {
        const transient = isTransient(err);
        await this.db.dataSource.query(
          `UPDATE usage_records SET last_report_error = $2, flagged_at = CASE WHEN $3 THEN NULL ELSE clock_timestamp() END,
                  next_report_at = CASE WHEN $3 THEN clock_timestamp() + interval '30 seconds' ELSE NULL END WHERE id = $1`,
          [row.id, `cancellation ${transient ? 'failed' : 'refused'}: ${describeStripeError(err)}${statusOf(err) === 400 ? ' (Stripe cancels only events received in the last 24 hours: issue a credit note)' : ''}`, transient],
        );
      }
    }
    return done;
  }
}

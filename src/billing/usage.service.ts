import { EntityManager } from 'typeorm';
import { AppError } from '../common/errors';
import { Database } from '../db/database';
import { DayUsageRow, ledgerUsage, OpenAiTokenTotals, readBillingState, RunUsageRow, UsageTotals } from './billing.repository';
import { BillingService } from './billing.service';
import { returned } from './meter-outbox';

export interface UsageSummaryView {
  from: Date;
  to: Date;
  totals: UsageTotals;
  /** OpenAI tokens (fine-tuning, and chat calls for baselines, evaluations and inference): ledger only, never sent to Stripe. */
  openai: OpenAiTokenTotals;
  reported: UsageTotals;
  flaggedRows: number;
  byRun: RunUsageRow[];
  byDay: DayUsageRow[];
  stripe: UsageTotals | null;
}

const MAX_RANGE_MS = 400 * 86_400_000;

/**
 * The usage ledger from the tenant's side: what it used (by run, by day), what of it reached
 * Stripe, and Stripe's own meter totals beside it. Also the entry points other features and
 * operators write the ledger through.
 */
export class UsageService {
  constructor(
    private readonly db: Database,
    private readonly billing: BillingService,
  ) {}

  /** Usage in [from, to) (default: the current calendar month up to now). */
  async usage(m: EntityManager, tenantId: string, from?: Date | null, to?: Date | null): Promise<UsageSummaryView> {
    const now = new Date();
    const start = from ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const end = to ?? new Date(now.getTime() + 1000);
    if (!(start < end)) throw new AppError('BAD_USER_INPUT', '`from` must be before `to`', { field: 'from' });
    if (end.getTime() - start.getTime() > MAX_RANGE_MS) throw new AppError('BAD_USER_INPUT', 'ask for at most 400 days at a time', { field: 'to' });
    const ledger = await ledgerUsage(m, start, end);
    const state = await readBillingState(m, tenantId);
    return { from: start, to: end, ...ledger, stripe: await this.billing.stripeUsage(tenantId, state.stripeCustomerId, start, end) };
  }

  /**
   * An operator's correction: takes a ledger row out of the tenant's usage. A row that never
   * left is just cancelled; one that may have reached Stripe is cancelled there by the outbox
   * with a meter event adjustment (cancel by its identifier). Idempotent.
   */
  async cancelUsage(recordId: string): Promise<{ state: 'cancelled' | 'cancel_pending' }> {
    const rows = returned<{ cancelled_at: Date | null }>(await this.db.dataSource.query(
      `UPDATE usage_records SET cancel_requested_at = coalesce(cancel_requested_at, clock_timestamp()),
              cancelled_at = CASE WHEN report_attempts = 0 THEN coalesce(cancelled_at, clock_timestamp()) ELSE cancelled_at END
        WHERE id = $1 RETURNING cancelled_at`,
      [recordId],
    ));
    if (!rows[0]) throw new AppError('NOT_FOUND', 'usage record not found');
    return { state: rows[0].cancelled_at ? 'cancelled' : 'cancel_pending' };
  }
}

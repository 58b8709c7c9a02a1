import { EntityManager } from 'typeorm';

/** The SQL of the billing feature, in one reviewable place. */

/** A tenant's plan and Stripe state (one row of tenants left-joined with tenant_billing). */
export interface BillingState {
  tenantId: string;
  tenantName: string;
  plan: string;
  stripeCustomerId: string | null;
  subscriptionId: string | null;
  subscriptionStatus: string | null;
  pastDueSince: Date | null;
  periodStart: Date | null;
  periodEnd: Date | null;
}

const STATE_SQL = `SELECT t.id AS tenant_id, t.name, t.plan, b.stripe_customer_id, b.subscription_id, b.subscription_status, b.past_due_since,
       b.current_period_start, b.current_period_end
  FROM tenants t LEFT JOIN tenant_billing b ON b.tenant_id = t.id WHERE t.id = $1`;

type StateRow = {
  tenant_id: string; name: string; plan: string; stripe_customer_id: string | null; subscription_id: string | null; subscription_status: string | null;
  past_due_since: Date | null; current_period_start: Date | null; current_period_end: Date | null;
};

const toState = (r: StateRow): BillingState => ({
  tenantId: r.tenant_id,
  tenantName: r.name,
  plan: r.plan,
  stripeCustomerId: r.stripe_customer_id,
  subscriptionId: r.subscription_id,
  subscriptionStatus: r.subscription_status,
  pastDueSince: r.past_due_since,
  periodStart: r.current_period_start,
  periodEnd: r.current_period_end,
});

/** Works in a tenant transaction (RLS) and on the system path alike. */
export async function readBillingState(m: EntityManager, tenantId: string): Promise<BillingState> {
  const rows: StateRow[] = await m.query(STATE_SQL, [tenantId]);
  if (!rows[0]) throw new Error(`tenant ${tenantId} not found`);
  return toState(rows[0]);
}

/** The billing period in force: the subscription's current period, else the calendar month (UTC). */
export function billingPeriod(state: Pick<BillingState, 'periodStart' | 'periodEnd'>, now = new Date()): { start: Date; end: Date } {
  if (state.periodStart && state.periodEnd && state.periodStart <= now && now < state.periodEnd) return { start: state.periodStart, end: state.periodEnd };
  return { start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)), end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)) };
}

/**
 * GPU-seconds a tenant used in [start, end): its ledger rows, plus what running attempts have
 * counted but not yet written as a slice (so a cap bites within a minute, not a slice later).
 */
export async function gpuSecondsUsed(m: EntityManager, tenantId: string, start: Date, end: Date): Promise<number> {
  const [row]: { s: number }[] = await m.query(
    `SELECT (SELECT coalesce(sum(quantity), 0) FROM usage_records
              WHERE tenant_id = $1 AND meter = 'training_gpu_seconds' AND occurred_at >= $2 AND occurred_at < $3 AND cancel_requested_at IS NULL)
          + (SELECT coalesce(sum(greatest(gpu_seconds - billed_seconds, 0)), 0) FROM run_attempts WHERE tenant_id = $1 AND ended_at IS NULL) AS s`,
    [tenantId, start, end],
  );
  return Number(row.s);
}

export interface UsageTotals {
  gpuSeconds: number;
  inferenceRequests: number;
}

export interface RunUsageRow {
  runId: string;
  gpuSeconds: number;
}

/** OpenAI tokens: in the ledger (and usage) only; they have no Stripe meter. */
export interface OpenAiTokenTotals {
  openaiTrainedTokens: number;
  openaiInferenceTokens: number;
}

export interface DayUsageRow extends UsageTotals, OpenAiTokenTotals {
  day: string;
}

/** Ledger totals of the tenant in [from, to), by meter, by run and by UTC day. Cancelled rows are left out. */
export async function ledgerUsage(m: EntityManager, from: Date, to: Date): Promise<{ totals: UsageTotals; openai: OpenAiTokenTotals; byRun: RunUsageRow[]; byDay: DayUsageRow[]; reported: UsageTotals; flaggedRows: number }> {
  const params = [from, to];
  const where = `occurred_at >= $1 AND occurred_at < $2 AND cancel_requested_at IS NULL`;
  const [totals]: { g: number; i: number; ot: number; oi: number; rg: number; ri: number; flagged: number }[] = await m.query(
    `SELECT coalesce(sum(quantity) FILTER (WHERE meter = 'training_gpu_seconds'), 0)::float8 AS g,
            coalesce(sum(quantity) FILTER (WHERE meter = 'inference_requests'), 0)::float8 AS i,
            coalesce(sum(quantity) FILTER (WHERE meter = 'openai_trained_tokens'), 0)::float8 AS ot,
            coalesce(sum(quantity) FILTER (WHERE meter = 'openai_inference_tokens'), 0)::float8 AS oi,
            coalesce(sum(quantity) FILTER (WHERE meter = 'training_gpu_seconds' AND reported_at IS NOT NULL), 0)::float8 AS rg,
            coalesce(sum(quantity) FILTER (WHERE meter = 'inference_requests' AND reported_at IS NOT NULL), 0)::float8 AS ri,
            count(*) FILTER (WHERE flagged_at IS NOT NULL)::int AS flagged
       FROM usage_records WHERE ${where}`,
    params,
  );
  const byRun: { run_id: string; g: number }[] = await m.query(
    `SELECT run_id, sum(quantity)::float8 AS g FROM usage_records WHERE ${where} AND meter = 'training_gpu_seconds' AND run_id IS NOT NULL
      GROUP BY run_id ORDER BY min(occurred_at), run_id`,
    params,
  );
  const byDay: { day: string; g: number; i: number; ot: number; oi: number }[] = await m.query(
    `SELECT to_char(date_trunc('day', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
            coalesce(sum(quantity) FILTER (WHERE meter = 'training_gpu_seconds'), 0)::float8 AS g,
            coalesce(sum(quantity) FILTER (WHERE meter = 'inference_requests'), 0)::float8 AS i,
            coalesce(sum(quantity) FILTER (WHERE meter = 'openai_trained_tokens'), 0)::float8 AS ot,
            coalesce(sum(quantity) FILTER (WHERE meter = 'openai_inference_tokens'), 0)::float8 AS oi
       FROM usage_records WHERE ${where} GROUP BY 1 ORDER BY 1`,
    params,
  );
  return {
    totals: { gpuSeconds: Number(totals.g), inferenceRequests: Number(totals.i) },
    openai: { openaiTrainedTokens: Number(totals.ot), openaiInferenceTokens: Number(totals.oi) },
    reported: { gpuSeconds: Number(totals.rg), inferenceRequests: Number(totals.ri) },
    flaggedRows: totals.flagged,
    byRun: byRun.map((r) => ({ runId: r.run_id, gpuSeconds: Number(r.g) })),
    byDay: byDay.map((r) => ({ day: r.day, gpuSeconds: Number(r.g), inferenceRequests: Number(r.i), openaiTrainedTokens: Number(r.ot), openaiInferenceTokens: Number(r.oi) })),
  };
}

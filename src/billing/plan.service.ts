import { LRUCache } from 'lru-cache';
import { EntityManager } from 'typeorm';
import { AppError } from '../common/errors';
import { Database } from '../db/database';
import type { Admission, AdmissionPolicy } from '../training/run-dispatcher';
import type { TrainingRun } from '../training/training-run.entity';
import { billingPeriod, BillingState, gpuSecondsUsed, readBillingState } from './billing.repository';
import { FREE_PLAN, Plan, PlanLimits } from './plans';

export interface PlanSettings {
  /** Seconds a subscription may stay past_due before launches are refused. */
  graceSeconds: number;
  /** How long a tenant's inference allowance is reused before its billing state is read again, ms. */
  inferenceLimitCacheMs?: number;
}

/** Subscription statuses under which the plan's paid limits apply (anything else falls back to free). */
const PAID_STATUSES = new Set(['active', 'trialing', 'past_due']);

const hours = (s: number) => Math.round((s / 3600) * 1000) / 1000;

/**
 * The plan rules, enforced where they bite: `assertCanLaunch` (launchRun), `check` (the
 * dispatcher's admission: concurrent runs, GPU-hours per period), `storageLimit` (dataset
 * uploads) and `inferenceLimit` (inference's requests per minute, per tenant).
 */
export class PlanService implements AdmissionPolicy {
  private readonly inferenceLimits: LRUCache<string, { plan: string; requestsPerMinute: number }>;

  constructor(
    private readonly db: Database,
    readonly plans: Record<string, Plan>,
    private readonly settings: PlanSettings,
  ) {
    this.inferenceLimits = new LRUCache({ max: 10_000, ttl: Math.max(1, settings.inferenceLimitCacheMs ?? 30_000) });
  }

  /**
   * The tenant's inference allowance, on every model invocation: cached per tenant for
   * `inferenceLimitCacheMs` (30 s), so a plan change takes effect within that long.
   */
  async inferenceLimit(tenantId: string): Promise<{ plan: string; requestsPerMinute: number }> {
    const cached = this.inferenceLimits.get(tenantId);
    if (cached) return cached;
    const limits = await this.planLimits(tenantId);
    const limit = { plan: limits.plan, requestsPerMinute: limits.inferenceRequestsPerMinute };
    this.inferenceLimits.set(tenantId, limit);
    return limit;
  }

  /** The plan of a billing state: its recorded plan while the subscription is in good standing, else free. */
  planOf(state: Pick<BillingState, 'plan' | 'subscriptionStatus'>): Plan {
    const paid = state.plan !== FREE_PLAN && (state.subscriptionStatus === null || PAID_STATUSES.has(state.subscriptionStatus));
    return (paid && this.plans[state.plan]) || this.plans[FREE_PLAN];
  }

  /**
   * The limits in force for a tenant, read in its own short transaction. For features that
   * enforce a limit outside this module (inference: `inferenceRequestsPerMinute`).
   */
  async planLimits(tenantId: string): Promise<PlanLimits & { plan: string }> {
    const state = await this.db.withTenant({ tenantId }, (m) => readBillingState(m, tenantId));
    const plan = this.planOf(state);
    return { plan: plan.name, maxConcurrentRuns: plan.maxConcurrentRuns, gpuHoursPerPeriod: plan.gpuHoursPerPeriod, datasetBytes: plan.datasetBytes, inferenceRequestsPerMinute: plan.inferenceRequestsPerMinute };
  }

  /** When the tenant's launches are blocked for non-payment (past_due beyond the grace period, or unpaid), and why. */
  paymentBlock(state: BillingState, now = new Date()): { since: Date; message: string } | null {
    if (state.subscriptionStatus === 'unpaid') {
      return { since: state.pastDueSince ?? now, message: 'payment required: the subscription is unpaid; update the payment method in the billing portal (createBillingPortalSession)' };
    }
    if (state.subscriptionStatus !== 'past_due' || !state.pastDueSince) return null;
    const graceEnds = new Date(state.pastDueSince.getTime() + this.settings.graceSeconds * 1000);
    if (now < graceEnds) return null;
    return {
      since: state.pastDueSince,
      message: `payment required: the subscription has been past due since ${state.pastDueSince.toISOString()} and its grace period ended ${graceEnds.toISOString()}; update the payment method in the billing portal (createBillingPortalSession). Running runs continue.`,
    };
  }

  /** launchRun's gate: PAYMENT_REQUIRED while payment is overdue beyond the grace period. */
  async assertCanLaunch(m: EntityManager, tenantId: string): Promise<void> {
    const block = this.paymentBlock(await readBillingState(m, tenantId));
    if (block) throw new AppError('PAYMENT_REQUIRED', block.message);
  }

  /**
   * The dispatcher's admission check, in its transaction for the run. Like Kueue with an
   * exhausted quota, a run past the GPU-hour cap is not failed: it stays QUEUED (with an event
   * saying why) and is admitted when the period resets or the plan grows.
   */
  async check(m: EntityManager, run: TrainingRun): Promise<Admission> {
    const state = await readBillingState(m, run.tenantId);
    const plan = this.planOf(state);
    if (plan.gpuHoursPerPeriod !== null) {
      const period = billingPeriod(state);
      const used = await gpuSecondsUsed(m, run.tenantId, period.start, period.end);
      if (used >= plan.gpuHoursPerPeriod * 3600) {
        return {
          maxConcurrentRuns: plan.maxConcurrentRuns,
          hold: {
            code: 'GPU_HOURS_EXHAUSTED',
            reason: `waiting: the ${plan.name} plan's ${plan.gpuHoursPerPeriod} GPU-hours for this billing period are used up (${hours(used)} of ${plan.gpuHoursPerPeriod} GPU-hours used); the run stays queued until the period resets at ${period.end.toISOString()} or the plan is upgraded`,
            data: { limit: 'gpuHoursPerPeriod', plan: plan.name, usedGpuHours: hours(used), limitGpuHours: plan.gpuHoursPerPeriod, periodEnd: period.end.toISOString() },
            retryAfterSeconds: 60,
          },
        };
      }
    }
    return { maxConcurrentRuns: plan.maxConcurrentRuns, hold: null };
  }

  /** Dataset storage the tenant's plan allows, bytes, and the plan's name (for the message). */
  async storageLimit(m: EntityManager, tenantId: string): Promise<{ bytes: number; plan: string }> {
    const plan = this.planOf(await readBillingState(m, tenantId));
    return { bytes: plan.datasetBytes, plan: plan.name };
  }
}

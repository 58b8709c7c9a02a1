import { Logger } from 'pino';
import { Config } from '../config';
import { Database } from '../db/database';
import { BillingService } from './billing.service';
import { MeterOutbox } from './meter-outbox';
import { PlanService } from './plan.service';
import { resolvePlans } from './plans';
import { createStripeClient } from './stripe-client';
import { StripeWebhookHandler } from './stripe-webhooks';
import { UsageService } from './usage.service';

/** The billing feature's services (see src/billing/README.md). `outbox` is null in ledger-only mode. */
export interface BillingServices {
  plans: PlanService;
  account: BillingService;
  usage: UsageService;
  webhooks: StripeWebhookHandler;
  outbox: MeterOutbox | null;
}

export function createBillingServices(db: Database, config: Config, log: Logger): BillingServices {
  const plans = new PlanService(db, resolvePlans(config.BILLING_PLANS), { graceSeconds: config.BILLING_GRACE_PERIOD_SECONDS });
  const stripe = createStripeClient(config);
  const billingLog = log.child({ feature: 'billing' });
  const account = new BillingService(db, stripe, plans, { returnUrl: config.BILLING_RETURN_URL ?? config.PUBLIC_URL ?? null }, billingLog);
  const usage = new UsageService(db, account);
  const webhooks = new StripeWebhookHandler(db, { secret: config.STRIPE_WEBHOOK_SECRET ?? null, toleranceSeconds: 300 }, plans.plans, billingLog);
  const outbox = stripe
    ? new MeterOutbox(db, stripe, account, {
        intervalSeconds: config.BILLING_REPORT_INTERVAL_SECONDS,
        concurrency: config.BILLING_REPORT_CONCURRENCY,
        maxPerSecond: config.BILLING_REPORT_MAX_PER_SECOND,
        leaseSeconds: config.BILLING_REPORT_LEASE_SECONDS,
        callTimeoutMs: config.STRIPE_TIMEOUT_MS,
        maxAttempts: config.BILLING_REPORT_MAX_ATTEMPTS,
        backoffSeconds: config.BILLING_REPORT_BACKOFF_SECONDS,
      }, billingLog)
    : null;
  return { plans, account, usage, webhooks, outbox };
}

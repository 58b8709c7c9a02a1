import Stripe from 'stripe';
import { Logger } from 'pino';
import { EntityManager } from 'typeorm';
import { AppError } from '../common/errors';
import { Database } from '../db/database';
import { billingPeriod, BillingState, gpuSecondsUsed, readBillingState } from './billing.repository';
import { PlanService } from './plan.service';
import { METERED_PRICES, Plan } from './plans';
import { describeStripeError, isTransient, statusOf } from './stripe-client';

/** A caller-fixable billing problem, reported in userErrors with its own code. */
export const billingProblem = (field: string | null, code: string, message: string) =>
  new AppError('BAD_USER_INPUT', message, { problems: [{ field: field ? [field] : null, message, code }] });

const notConfigured = () => billingProblem(null, 'BILLING_NOT_CONFIGURED', 'billing is in ledger-only mode on this server (no STRIPE_SECRET_KEY): usage is recorded, but there is nothing to pay');

export interface AccountView {
  state: BillingState;
  plan: Plan;
  period: { start: Date; end: Date };
  gpuSecondsThisPeriod: number;
  paymentRequired: string | null;
  stripeConnected: boolean;
}

export interface InvoicePreviewView {
  currency: string;
  subtotal: number;
  total: number;
  amountDue: number;
  periodStart: Date;
  periodEnd: Date;
  lines: { description: string | null; quantity: number | null; amount: number; priceId: string | null; lookupKey: string | null }[];
}

const isHttpUrl = (s: string) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

/**
 * A tenant's side of Stripe: its customer (created lazily, once), Checkout and portal sessions,
 * the invoice preview, and the lookups of the prices and meters that `billing:setup` created.
 */
export class BillingService {
  private prices: { at: number; byKey: Map<string, Stripe.Price> } | null = null;
  private meters: { at: number; byEvent: Map<string, string> } | null = null;

  constructor(
    private readonly db: Database,
    readonly stripe: Stripe | null,
    private readonly planService: PlanService,
    private readonly settings: { returnUrl: string | null },
    private readonly log: Logger,
  ) {}

  get connected(): boolean {
    return this.stripe !== null;
  }

  async account(m: EntityManager, tenantId: string): Promise<AccountView> {
    const state = await readBillingState(m, tenantId);
    const period = billingPeriod(state);
    return {
      state,
      plan: this.planService.planOf(state),
      period,
      gpuSecondsThisPeriod: await gpuSecondsUsed(m, tenantId, period.start, period.end),
      paymentRequired: this.planService.paymentBlock(state)?.message ?? null,
      stripeConnected: this.connected,
    };
  }

  /**
   * The tenant's Stripe customer id, creating the customer on first use. Creation holds the
   * tenant's billing row lock (so two replicas cannot both create one) and sends an
   * Idempotency-Key that stays the same across timeouts (a replay returns the customer Stripe
   * made) and changes only after Stripe answered with an error (whose result Stripe would replay).
   */
  async ensureCustomer(tenantId: string): Promise<string> {
    const stripe = this.requireStripe();
    let failure: unknown = null;
    const id = await this.db.withTenant({ tenantId }, async (m) => {
      await m.query(`INSERT INTO tenant_billing (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING`, [tenantId]);
      const [row]: { stripe_customer_id: string | null; customer_key_attempt: number; name: string }[] = await m.query(
        `SELECT b.stripe_customer_id, b.customer_key_attempt, t.name FROM tenant_billing b JOIN tenants t ON t.id = b.tenant_id WHERE b.tenant_id = $1 FOR UPDATE OF b`,
        [tenantId],
      );
      if (row.stripe_customer_id) return row.stripe_customer_id;
      try {
        const customer = await stripe.customers.create(
          { name: row.name, metadata: { tenant_id: tenantId } },
          { idempotencyKey: `tuneforge-customer-${tenantId}-${row.customer_key_attempt}` },
        );
        await m.query(`UPDATE tenant_billing SET stripe_customer_id = $2, updated_at = now() WHERE tenant_id = $1`, [tenantId, customer.id]);
        return customer.id;
      } catch (err) {
        if (statusOf(err) !== undefined && statusOf(err) !== 429) await m.query(`UPDATE tenant_billing SET customer_key_attempt = customer_key_attempt + 1 WHERE tenant_id = $1`, [tenantId]);
        failure = err;
        return null;
      }
    });
    if (!id) {
      this.log.warn({ tenantId, err: describeStripeError(failure) }, 'stripe customer creation failed');
      throw failure;
    }
    return id;
  }

  /** Stripe unreachable, rate limiting or failing: a userError the caller can retry, not a masked internal error. */
  private async retryable<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError || !isTransient(err)) throw err;
      this.log.warn({ err: describeStripeError(err) }, `${what}: Stripe failed`);
      throw billingProblem(null, 'STRIPE_UNAVAILABLE', `Stripe did not answer (${describeStripeError(err)}); try again in a moment`);
    }
  }

  /** Checkout for a subscription to a purchasable plan: its flat price plus the metered training and inference prices. */
  async createCheckoutSession(m: EntityManager, tenantId: string, planName: string, urls: { successUrl?: string | null; cancelUrl?: string | null; publicUrl: string }): Promise<string> {
    const plan = this.planService.plans[planName];
    if (!plan || !plan.purchasable) {
      const names = Object.values(this.planService.plans).filter((p) => p.purchasable).map((p) => p.name);
      throw billingProblem('plan', 'UNKNOWN_PLAN', `"${planName}" is not a plan you can subscribe to; choose one of ${names.join(', ')}`);
    }
    for (const [field, url] of [['successUrl', urls.successUrl], ['cancelUrl', urls.cancelUrl]] as const) {
      if (url != null && !isHttpUrl(url)) throw billingProblem(field, 'INVALID_URL', `${field} must be an http(s) URL`);
    }
    const stripe = this.stripe;
    if (!stripe) throw notConfigured();
    const state = await readBillingState(m, tenantId);
    if (state.subscriptionId && state.subscriptionStatus && !['canceled', 'incomplete_expired'].includes(state.subscriptionStatus)) {
      throw new AppError('CONFLICT', `the tenant already has a ${state.subscriptionStatus} subscription (${state.plan}); change or cancel it in the billing portal (createBillingPortalSession)`, { field: 'plan' });
    }
    return this.retryable('checkout', () => this.checkout(stripe, tenantId, plan, urls));
  }

  private async checkout(stripe: Stripe, tenantId: string, plan: Plan, urls: { successUrl?: string | null; cancelUrl?: string | null; publicUrl: string }): Promise<string> {
    const customer = await this.ensureCustomer(tenantId);
    const keys = [plan.basePriceLookupKey, METERED_PRICES.training.lookupKey, METERED_PRICES.inference.lookupKey].filter((k): k is string => Boolean(k));
    const prices = await this.pricesByLookupKey(keys);
    const missing = keys.filter((k) => !prices.has(k));
    if (missing.length) throw billingProblem('plan', 'BILLING_NOT_SET_UP', `the Stripe account has no active price ${missing.join(', ')}: run \`tuneforge billing:setup\``);
    const back = this.settings.returnUrl ?? `${urls.publicUrl}/`;
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer,
      client_reference_id: tenantId,
      line_items: keys.map((k) => {
        const price = prices.get(k)!;
        return price.recurring?.usage_type === 'metered' ? { price: price.id } : { price: price.id, quantity: 1 };
      }),
      success_url: urls.successUrl ?? back,
      cancel_url: urls.cancelUrl ?? back,
      metadata: { tenant_id: tenantId, plan: plan.name },
      subscription_data: { metadata: { tenant_id: tenantId, plan: plan.name } },
    });
    if (!session.url) throw new Error('Stripe returned a Checkout session without a URL');
    return session.url;
  }

  /** A Stripe billing portal session for the tenant's customer (payment methods, invoices, plan changes). */
  async createBillingPortalSession(tenantId: string, returnUrl: string | null | undefined, publicUrl: string): Promise<string> {
    if (returnUrl != null && !isHttpUrl(returnUrl)) throw billingProblem('returnUrl', 'INVALID_URL', 'returnUrl must be an http(s) URL');
    const stripe = this.stripe;
    if (!stripe) throw notConfigured();
    return this.retryable('billing portal', async () => {
      const customer = await this.ensureCustomer(tenantId);
      const session = await stripe.billingPortal.sessions.create({ customer, return_url: returnUrl ?? this.settings.returnUrl ?? `${publicUrl}/` });
      return session.url;
    });
  }

  /** What the next invoice of the tenant's subscription would say now (`invoices.createPreview`); null without one. */
  async invoicePreview(m: EntityManager, tenantId: string): Promise<InvoicePreviewView | null> {
    const state = await readBillingState(m, tenantId);
    if (!this.stripe || !state.stripeCustomerId || !state.subscriptionId || state.subscriptionStatus === 'canceled') return null;
    const invoice = await this.stripe.invoices.createPreview({ customer: state.stripeCustomerId, subscription: state.subscriptionId });
    const byId = new Map([...(await this.pricesByLookupKey([METERED_PRICES.training.lookupKey, METERED_PRICES.inference.lookupKey])).values()].map((p) => [p.id, p]));
    return {
      currency: invoice.currency,
      subtotal: invoice.subtotal,
      total: invoice.total,
      amountDue: invoice.amount_due,
      periodStart: new Date(invoice.period_start * 1000),
      periodEnd: new Date(invoice.period_end * 1000),
      lines: invoice.lines.data.map((l) => {
        const price = l.pricing?.price_details?.price;
        const priceId = typeof price === 'string' ? price : (price?.id ?? null);
        return { description: l.description, quantity: l.quantity, amount: l.amount, priceId, lookupKey: (priceId && byId.get(priceId)?.lookup_key) || null };
      }),
    };
  }

  /** Stripe's own totals of the tenant's meters in [from, to) (meter event summaries), or null when not connected or not available. */
  async stripeUsage(tenantId: string, customerId: string | null, from: Date, to: Date): Promise<{ gpuSeconds: number; inferenceRequests: number } | null> {
    if (!this.stripe || !customerId) return null;
    try {
      const meters = await this.meterIds();
      const start = Math.floor(from.getTime() / 60_000) * 60;
      const end = Math.ceil(to.getTime() / 60_000) * 60;
      const sum = async (event: string) => {
        const id = meters.get(event);
        if (!id) return 0;
        let total = 0;
        for await (const s of this.stripe!.billing.meters.listEventSummaries(id, { customer: customerId, start_time: start, end_time: end, limit: 100 })) total += s.aggregated_value;
        return total;
      };
      return { gpuSeconds: await sum(METERED_PRICES.training.meter), inferenceRequests: await sum(METERED_PRICES.inference.meter) };
    } catch (err) {
      this.log.warn({ tenantId, err: describeStripeError(err) }, 'meter event summaries unavailable');
      return null;
    }
  }

  /** Active prices by lookup key, cached for a minute. */
  async pricesByLookupKey(keys: string[]): Promise<Map<string, Stripe.Price>> {
    const stripe = this.requireStripe();
    if (!this.prices || Date.now() - this.prices.at > 60_000 || keys.some((k) => !this.prices!.byKey.has(k))) {
      const list = await stripe.prices.list({ lookup_keys: keys, active: true, limit: 100 });
      this.prices = { at: Date.now(), byKey: new Map(list.data.filter((p) => p.lookup_key).map((p) => [p.lookup_key!, p])) };
    }
    return this.prices.byKey;
  }

  /** Active meter ids by event name, cached for a minute. */
  async meterIds(): Promise<Map<string, string>> {
    const stripe = this.requireStripe();
    if (!this.meters || Date.now() - this.meters.at > 60_000) {
      const byEvent = new Map<string, string>();
      for await (const meter of stripe.billing.meters.list({ status: 'active', limit: 100 })) byEvent.set(meter.event_name, meter.id);
      this.meters = { at: Date.now(), byEvent };
    }
    return this.meters.byEvent;
  }

  private requireStripe(): Stripe {
    if (!this.stripe) throw notConfigured();
    return this.stripe;
  }
}

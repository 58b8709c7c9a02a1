import Stripe from 'stripe';
import { Logger } from 'pino';
import { EntityManager } from 'typeorm';
import { Database } from '../db/database';
import { FREE_PLAN, Plan } from './plans';

/** Why a webhook delivery was refused: Stripe shows the status and body in its dashboard and retries non-2xx. */
export class WebhookRefused extends Error {
  constructor(readonly status: 400 | 503, message: string) {
    super(message);
  }
}

export interface WebhookResult {
  duplicate: boolean;
  outcome: string;
}

/** Statuses after which a subscription no longer pays for anything: the tenant falls back to free. */
const ENDED = new Set(['canceled', 'incomplete_expired']);

const customerIdOf = (c: string | { id: string } | null | undefined) => (typeof c === 'string' ? c : (c?.id ?? null));

/**
 * `POST /webhooks/stripe`: verifies Stripe's signature on the raw body (and its timestamp
 * tolerance), stores each event id once — a redelivery is a no-op — and applies subscription
 * changes to the tenant in the same transaction. Runs on the system path: an event names a
 * Stripe customer, not a tenant, until it is looked up.
 */
export class StripeWebhookHandler {
  constructor(
    private readonly db: Database,
    private readonly settings: { secret: string | null; toleranceSeconds: number },
    private readonly plans: Record<string, Plan>,
    private readonly log: Logger,
  ) {}

  async handle(rawBody: Buffer, signature: string | undefined): Promise<WebhookResult> {
    if (!this.settings.secret) throw new WebhookRefused(503, 'Stripe webhooks are not configured on this server (STRIPE_WEBHOOK_SECRET)');
    if (!signature) throw new WebhookRefused(400, 'missing Stripe-Signature header');
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(rawBody, signature, this.settings.secret, this.settings.toleranceSeconds);
    } catch (err) {
      throw new WebhookRefused(400, `signature verification failed: ${(err as Error).message}`);
    }
    return this.db.system(async (m) => {
      const inserted: { id: string }[] = await m.query(
        `INSERT INTO stripe_webhook_events (id, type, created, outcome, payload) VALUES ($1, $2, to_timestamp($3), 'received', $4) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [event.id, event.type, event.created, JSON.stringify(event)],
      );
      if (!inserted.length) return { duplicate: true, outcome: 'duplicate' };
      const { outcome, tenantId } = await this.apply(m, event);
      await m.query(`UPDATE stripe_webhook_events SET outcome = $2, tenant_id = $3 WHERE id = $1`, [event.id, outcome, tenantId]);
      this.log.info({ eventId: event.id, type: event.type, tenantId, outcome }, 'stripe webhook');
      return { duplicate: false, outcome };
    });
  }

  private async apply(m: EntityManager, event: Stripe.Event): Promise<{ outcome: string; tenantId: string | null }> {
    switch (event.type) {
      case 'customer.subscription.created':
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted':
      case 'customer.subscription.paused':
      case 'customer.subscription.resumed':
        return this.applySubscription(m, event.data.object, event);
      case 'checkout.session.completed': {
        const session = event.data.object;
        const tenantId = await this.tenantOf(m, customerIdOf(session.customer), session.client_reference_id ?? session.metadata?.tenant_id);
        const subscription = customerIdOf(session.subscription);
        if (!tenantId || !subscription) return { outcome: 'ignored: no tenant or subscription', tenantId };
        await m.query(`UPDATE tenant_billing SET subscription_id = coalesce(subscription_id, $2), updated_at = now() WHERE tenant_id = $1`, [tenantId, subscription]);
        return { outcome: 'checkout linked', tenantId };
      }
      default:
        return { outcome: 'ignored', tenantId: null };
    }
  }

  private async applySubscription(m: EntityManager, sub: Stripe.Subscription, event: Stripe.Event): Promise<{ outcome: string; tenantId: string | null }> {
    const tenantId = await this.tenantOf(m, customerIdOf(sub.customer), sub.metadata?.tenant_id);
    if (!tenantId) return { outcome: 'ignored: unknown customer', tenantId: null };
    await m.query(`INSERT INTO tenant_billing (tenant_id, stripe_customer_id) VALUES ($1, $2) ON CONFLICT (tenant_id) DO NOTHING`, [tenantId, customerIdOf(sub.customer)]);
    const [current]: { subscription_id: string | null; subscription_status: string | null; subscription_event_at: Date | null }[] = await m.query(
      `SELECT subscription_id, subscription_status, subscription_event_at FROM tenant_billing WHERE tenant_id = $1 FOR UPDATE`,
      [tenantId],
    );
    const at = new Date(event.created * 1000);
    const status = event.type === 'customer.subscription.deleted' ? 'canceled' : sub.status;
    // Stripe does not promise order: an older event about the same subscription changes nothing,
    // and the end of an old subscription does not touch a newer one.
    if (current.subscription_id === sub.id && current.subscription_event_at && at < current.subscription_event_at) return { outcome: 'stale', tenantId };
    if (current.subscription_id && current.subscription_id !== sub.id && ENDED.has(status) && current.subscription_status && !ENDED.has(current.subscription_status)) {
      return { outcome: 'ignored: another subscription is current', tenantId };
    }
    const item = sub.items?.data?.[0] as (Stripe.SubscriptionItem & { current_period_start?: number; current_period_end?: number }) | undefined;
    const legacy = sub as unknown as { current_period_start?: number; current_period_end?: number };
    const periodStart = item?.current_period_start ?? legacy.current_period_start ?? null;
    const periodEnd = item?.current_period_end ?? legacy.current_period_end ?? null;
    const plan = ENDED.has(status) ? FREE_PLAN : this.planOf(sub);
    await m.query(
      `UPDATE tenant_billing SET subscription_id = $2, subscription_status = $3,
              past_due_since = CASE WHEN $3 IN ('past_due', 'unpaid') THEN coalesce(past_due_since, $4) END,
              current_period_start = to_timestamp($5), current_period_end = to_timestamp($6), subscription_event_at = $4, updated_at = now()
        WHERE tenant_id = $1`,
      [tenantId, sub.id, status, at, periodStart, periodEnd],
    );
    if (plan) await m.query(`UPDATE tenants SET plan = $2 WHERE id = $1`, [tenantId, plan]);
    return { outcome: `subscription ${status}${plan ? `, plan ${plan}` : ''}`, tenantId };
  }

  /** The plan a subscription pays for: its metadata, else the plan whose flat price it carries. */
  private planOf(sub: Stripe.Subscription): string | null {
    const named = sub.metadata?.plan;
    if (named && this.plans[named]) return named;
    const keys = new Set((sub.items?.data ?? []).map((i) => i.price?.lookup_key).filter(Boolean));
    return Object.values(this.plans).find((p) => p.basePriceLookupKey && keys.has(p.basePriceLookupKey))?.name ?? null;
  }

  /** The tenant of a Stripe customer; the tenant id in metadata only for a tenant without a customer yet. */
  private async tenantOf(m: EntityManager, customerId: string | null, metadataTenant: string | null | undefined): Promise<string | null> {
    if (customerId) {
      const rows: { tenant_id: string }[] = await m.query(`SELECT tenant_id FROM tenant_billing WHERE stripe_customer_id = $1`, [customerId]);
      if (rows[0]) return rows[0].tenant_id;
    }
    if (metadataTenant && /^[0-9a-f-]{36}$/.test(metadataTenant)) {
      const rows: { id: string }[] = await m.query(
        `SELECT t.id FROM tenants t LEFT JOIN tenant_billing b ON b.tenant_id = t.id WHERE t.id = $1 AND b.stripe_customer_id IS NULL`,
        [metadataTenant],
      );
      if (rows[0]) return rows[0].id;
    }
    return null;
  }
}

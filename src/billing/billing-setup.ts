import Stripe from 'stripe';
import { Config } from '../config';
import { METERED_PRICES, Plan, resolvePlans } from './plans';
import { createStripeClient } from './stripe-client';

export interface SetupResult {
  meters: Record<string, { id: string; created: boolean }>;
  prices: Record<string, { id: string; created: boolean }>;
}

const CURRENCY = 'usd';

/**
 * Creates, or finds, the Stripe objects billing needs: a Billing Meter per metered event (sum
 * aggregation, customer by `stripe_customer_id`), a metered price per meter (GPU-seconds →
 * hours, requests → thousands, with `transform_quantity`), and the flat monthly price of each
 * purchasable plan. Found by event name and lookup key, created with idempotency keys: running
 * it twice changes nothing.
 */
export async function setupStripe(stripe: Stripe, plans: Record<string, Plan>): Promise<SetupResult> {
  const result: SetupResult = { meters: {}, prices: {} };
  const meters = new Map<string, string>();
  for await (const meter of stripe.billing.meters.list({ status: 'active', limit: 100 })) meters.set(meter.event_name, meter.id);
  for (const metered of Object.values(METERED_PRICES)) {
    let id = meters.get(metered.meter);
    const created = !id;
    if (!id) {
      const meter = await stripe.billing.meters.create(
        {
          display_name: metered.meter === 'training_gpu_seconds' ? 'Training GPU-seconds' : 'Inference requests',
          event_name: metered.meter,
          default_aggregation: { formula: 'sum' },
          customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
          value_settings: { event_payload_key: 'value' },
        },
        { idempotencyKey: `tuneforge-setup-meter-${metered.meter}` },
      );
      id = meter.id;
    }
    result.meters[metered.meter] = { id, created };
  }

  const wanted = [
    ...Object.values(METERED_PRICES).map((p) => p.lookupKey),
    ...Object.values(plans).filter((p) => p.purchasable && p.basePriceLookupKey).map((p) => p.basePriceLookupKey!),
  ];
  const existing = new Map<string, string>();
  for await (const price of stripe.prices.list({ lookup_keys: wanted, active: true, limit: 100 })) if (price.lookup_key) existing.set(price.lookup_key, price.id);

  for (const metered of Object.values(METERED_PRICES)) {
    let id = existing.get(metered.lookupKey);
    const created = !id;
    if (!id) {
      const price = await stripe.prices.create(
        {
          currency: CURRENCY,
          unit_amount: metered.unitAmount,
          recurring: { interval: 'month', usage_type: 'metered', meter: result.meters[metered.meter].id },
          transform_quantity: { divide_by: metered.divideBy, round: 'up' },
          lookup_key: metered.lookupKey,
          product_data: { name: metered.title },
        },
        { idempotencyKey: `tuneforge-setup-price-${metered.lookupKey}` },
      );
      id = price.id;
    }
    result.prices[metered.lookupKey] = { id, created };
  }
  for (const plan of Object.values(plans)) {
    if (!plan.purchasable || !plan.basePriceLookupKey) continue;
    let id = existing.get(plan.basePriceLookupKey);
    const created = !id;
    if (!id) {
      const price = await stripe.prices.create(
        {
          currency: CURRENCY,
          unit_amount: plan.monthlyAmount,
          recurring: { interval: 'month', usage_type: 'licensed' },
          lookup_key: plan.basePriceLookupKey,
          product_data: { name: `Tuneforge ${plan.title}` },
        },
        { idempotencyKey: `tuneforge-setup-price-${plan.basePriceLookupKey}-${plan.monthlyAmount}` },
      );
      id = price.id;
    }
    result.prices[plan.basePriceLookupKey] = { id, created };
  }
  return result;
}

/** `tuneforge billing:setup`: runs setupStripe against STRIPE_SECRET_KEY's account and prints the ids. */
export async function runBillingSetup(config: Config): Promise<number> {
  const stripe = createStripeClient(config);
  if (!stripe) {
    process.stderr.write('billing:setup needs STRIPE_SECRET_KEY (ledger-only mode has no Stripe objects)\n');
    return 2;
  }
  const result = await setupStripe(stripe, resolvePlans(config.BILLING_PLANS));
  for (const [name, m] of Object.entries(result.meters)) process.stdout.write(`meter ${name}: ${m.id}${m.created ? ' (created)' : ''}\n`);
  for (const [key, p] of Object.entries(result.prices)) process.stdout.write(`price ${key}: ${p.id}${p.created ? ' (created)' : ''}\n`);
  return 0;
}

import Stripe from 'stripe';
import { Config } from '../config';

/**
 * The Stripe SDK client of this process, or null in ledger-only mode (no STRIPE_SECRET_KEY).
 * The SDK never retries on its own: the outbox owns retries (with the same meter event
 * identifier), so a retry is always visible and bounded. STRIPE_API_URL points every call,
 * meter events included, at another server (a local Stripe-compatible one in tests).
 */
export function createStripeClient(config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_URL' | 'STRIPE_TIMEOUT_MS'>): Stripe | null {
  if (!config.STRIPE_SECRET_KEY) return null;
  const target = config.STRIPE_API_URL ? new URL(config.STRIPE_API_URL) : null;
  return new Stripe(config.STRIPE_SECRET_KEY, {
    maxNetworkRetries: 0,
    timeout: config.STRIPE_TIMEOUT_MS,
    telemetry: false,
    appInfo: { name: 'tuneforge' },
    ...(target
      ? {
          host: target.hostname,
          port: target.port || (target.protocol === 'https:' ? 443 : 80),
          protocol: target.protocol === 'https:' ? ('https' as const) : ('http' as const),
        }
      : {}),
  });
}

/** HTTP status of a Stripe error, if the server answered. */
export const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

/**
 * Worth retrying later: rate limited (429), Stripe's side failed (5xx), the connection failed or
 * timed out (no answer: Stripe may or may not have executed it), or a concurrent request with the
 * same idempotency key was in flight (409 idempotency conflict).
 */
export function isTransient(err: unknown): boolean {
  const status = statusOf(err);
  if (status === undefined) return true;
  return status === 429 || status >= 500 || (status === 409 && (err as { type?: string }).type === 'StripeIdempotencyError');
}

/** Stripe refuses a meter event whose identifier it already holds: proof that it was delivered. */
export function isDuplicateMeterEvent(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: string; message?: string };
  return e.statusCode === 400 && (e.code === 'duplicate_meter_event' || /already exists with identifier/i.test(e.message ?? ''));
}

/** A short, loggable description of a Stripe failure. */
export function describeStripeError(err: unknown): string {
  const e = err as { statusCode?: number; type?: string; code?: string; message?: string };
  return [e.statusCode ?? 'no response', e.type, e.code, e.message].filter(Boolean).join(' ').slice(0, 500);
}

/**
 * A local HTTP server that speaks Stripe's wire protocol for the calls Tuneforge makes, so the
 * real `stripe` SDK (pointed here with host/port/protocol) runs the production code path:
 * form-encoded bodies (`a[b][0]=c`), bearer secret keys, `Idempotency-Key` replay (same key and
 * parameters → the first response with `Idempotent-Replayed: true`; other parameters → 400
 * idempotency_error), Stripe's error objects, and the objects' shapes.
 *
 * Billing semantics kept: meters (one active meter per event name), meter events deduplicated by
 * `identifier` (a second one is a 400 "An event already exists with identifier …", as Stripe
 * answers), a 35-day timestamp window, meter event adjustments (cancel by identifier), event
 * summaries, prices with lookup keys, `recurring.meter` and `transform_quantity`, Checkout and
 * portal sessions, subscriptions (made by `completeCheckout`) and `invoices/create_preview`
 * pricing metered items from the meter events of the period.
 *
 * Fault injection on meter events (or `faultPath`): `failNext(n, kind)` and `errorRate` (random kinds) — a 500
 * before or after recording the event, a 429, a response that never comes (the client times out
 * after the event was recorded), or a connection dropped after recording.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export type FaultKind = '500-before' | '500-after' | '429' | 'timeout-after' | 'drop-after';
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface MeterEventRecord {
  identifier: string;
  eventName: string;
  customer: string;
  value: number;
  timestamp: number;
  cancelled: boolean;
}

class StripeError extends Error {
  constructor(readonly status: number, readonly type: string, message: string, readonly extra: Obj = {}) {
    super(message);
  }
}

/** Decodes Stripe's form encoding (`a[b][0][c]=v`) into nested objects and arrays. */
export function decodeForm(body: string): Obj {
  const root: Obj = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const path = rawKey.replace(/\]/g, '').split('[');
    let node: Obj = root;
    path.forEach((key, i) => {
      if (i === path.length - 1) node[key] = value;
      else node = node[key] ??= /^\d+$/.test(path[i + 1]) ? [] : {};
    });
  }
  return root;
}

const id = (prefix: string) => `${prefix}_${crypto.randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);
const list = (data: unknown[], url: string) => ({ object: 'list', data, has_more: false, url });

export class FakeStripe {
  url = '';
  host = '127.0.0.1';
  port = 0;
  readonly secretKey = 'sk_test_fake_tuneforge';
  /** Random faults on meter events (0..1), with kinds drawn from `randomKinds`. */
  errorRate = 0;
  randomKinds: FaultKind[] = ['500-before', '500-after', '429', 'drop-after'];
  /** The path faults apply to. */
  faultPath = '/v1/billing/meter_events';
  /** Every meter event request, in arrival order (retries included). */
  readonly meterEventRequests: { identifier: string; value: number }[] = [];
  /** Accepted meter events by identifier (each once). */
  readonly meterEvents = new Map<string, MeterEventRecord>();
  readonly customers = new Map<string, Obj>();
  readonly meters = new Map<string, Obj>();
  readonly prices = new Map<string, Obj>();
  readonly checkoutSessions = new Map<string, Obj>();
  readonly subscriptions = new Map<string, Obj>();
  readonly requests: { method: string; path: string; idempotencyKey?: string }[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly idempotent = new Map<string, { fingerprint: string; status: number; body: string }>();
  private readonly queuedFaults: FaultKind[] = [];

  private constructor() {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(): Promise<FakeStripe> {
    const fake = new FakeStripe();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    fake.url = `http://127.0.0.1:${fake.port}`;
    return fake;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `n` meter event requests fail with `kind`. */
  failNext(n: number, kind: FaultKind): void {
    for (let i = 0; i < n; i++) this.queuedFaults.push(kind);
  }

  /** Sum of accepted, not cancelled meter event values per event name (optionally for one customer). */
  total(eventName: string, customer?: string): number {
    let sum = 0;
    for (const e of this.meterEvents.values()) if (!e.cancelled && e.eventName === eventName && (!customer || e.customer === customer)) sum += e.value;
    return sum;
  }

  /** What Checkout does once the customer pays: an active subscription with the session's items. */
  completeCheckout(sessionId: string, status = 'active'): Obj {
    const session = this.checkoutSessions.get(sessionId);
    if (!session) throw new Error(`no checkout session ${sessionId}`);
    const start = now() - 5;
    const sub: Obj = {
      id: id('sub'), object: 'subscription', customer: session.customer, status, metadata: session._subscriptionMetadata ?? {},
      created: start, start_date: start, cancel_at_period_end: false, livemode: false,
      items: list(session._lineItems.map((li: Obj) => ({
        id: id('si'), object: 'subscription_item', price: this.prices.get(li.price), quantity: li.quantity === undefined ? undefined : Number(li.quantity),
        current_period_start: start, current_period_end: start + 30 * 86_400,
      })), '/v1/subscription_items'),
    };
    this.subscriptions.set(sub.id, sub);
    session.subscription = sub.id;
    session.status = 'complete';
    return sub;
  }

  /** A Stripe event object as webhooks deliver it. */
  event(type: string, object: Obj, created = now()): Obj {
    return { id: id('evt'), object: 'event', api_version: '2025-10-29.clover', created, type, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object } };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const key = req.headers['idempotency-key'] as string | undefined;
    this.requests.push({ method, path: url.pathname, idempotencyKey: key });
    const send = (status: number, body: string, replayed = false) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req'), ...(replayed ? { 'idempotent-replayed': 'true' } : {}), ...(status === 400 ? { 'stripe-should-retry': 'false' } : {}) });
      res.end(body);
    };
    try {
      if (req.headers.authorization !== `Bearer ${this.secretKey}`) throw new StripeError(401, 'invalid_request_error', 'Invalid API Key provided');
      if (method === 'POST' && !/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) throw new StripeError(400, 'invalid_request_error', 'Stripe expects form-encoded bodies');
      const params = decodeForm(method === 'GET' ? url.search.slice(1) : raw);
      const fingerprint = `${method} ${url.pathname} ${raw}`;
      if (method === 'POST' && key) {
        const seen = this.idempotent.get(key);
        if (seen && seen.fingerprint !== fingerprint) throw new StripeError(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`);
        if (seen) return send(seen.status, seen.body, true);
      }
      const fault = url.pathname === this.faultPath ? this.drawFault() : null;
      if (fault === '500-before') throw new StripeError(500, 'api_error', 'An unknown error occurred');
      if (fault === '429') throw new StripeError(429, 'invalid_request_error', 'Request rate limit exceeded.', { code: 'rate_limit' });
      const result = this.route(method, url.pathname, params);
      const body = JSON.stringify(result);
      if (fault === '500-after') throw new StripeError(500, 'api_error', 'An unknown error occurred');
      if (fault === 'timeout-after') return; // recorded; the answer never comes
      if (fault === 'drop-after') return void res.socket?.destroy();
      if (method === 'POST' && key) this.idempotent.set(key, { fingerprint, status: 200, body });
      send(200, body);
    } catch (err) {
      const e = err instanceof StripeError ? err : new StripeError(500, 'api_error', String(err));
      const body = JSON.stringify({ error: { type: e.type, message: e.message, ...e.extra } });
      // Stripe saves the result of an idempotent request that executed, errors included; 429s never executed.
      if (method === 'POST' && key && e.status !== 429 && e.type !== 'idempotency_error') {
        this.idempotent.set(key, { fingerprint: `${method} ${url.pathname} ${raw}`, status: e.status, body });
      }
      send(e.status, body);
    }
  }

  private drawFault(): FaultKind | null {
    if (this.queuedFaults.length) return this.queuedFaults.shift()!;
    if (this.errorRate > 0 && Math.random() < this.errorRate) return this.randomKinds[Math.floor(Math.random() * this.randomKinds.length)];
    return null;
  }

  private route(method: string, path: string, p: Obj): Obj {
    const missing = (what: string, value: string) => new StripeError(404, 'invalid_request_error', `No such ${what}: '${value}'`, { code: 'resource_missing', param: what });
    const required = (name: string) => {
      if (p[name] === undefined || p[name] === '') throw new StripeError(400, 'invalid_request_error', `Missing required param: ${name}.`, { code: 'parameter_missing', param: name });
      return p[name];
    };
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/customers') {
      const c = { id: id('cus'), object: 'customer', name: p.name ?? null, metadata: p.metadata ?? {}, created: now(), livemode: false };
      this.customers.set(c.id, c);
      return c;
    }
    if (method === 'POST' && path === '/v1/billing/meter_events') {
      const eventName = required('event_name');
      const identifier: string = p.identifier ?? id('mev');
      const customer = p.payload?.stripe_customer_id;
      const value = Number(p.payload?.value);
      this.meterEventRequests.push({ identifier, value });
      if (![...this.meters.values()].some((x) => x.event_name === eventName && x.status === 'active')) throw new StripeError(400, 'invalid_request_error', `No active meter was found for event_name ${eventName}.`, { param: 'event_name' });
      if (!customer || !this.customers.has(customer)) throw missing('customer', String(customer));
      if (!Number.isFinite(value) || value < 0 || !/^\d+(\.\d+)?$/.test(String(p.payload?.value))) throw new StripeError(400, 'invalid_request_error', 'payload[value] must be a non-negative number.', { param: 'payload[value]' });
      const timestamp = p.timestamp === undefined ? now() : Number(p.timestamp);
      if (timestamp < now() - 35 * 86_400 || timestamp > now() + 300) throw new StripeError(400, 'invalid_request_error', 'timestamp must be within the past 35 calendar days or up to 5 minutes in the future.', { param: 'timestamp' });
      if (identifier.length > 100) throw new StripeError(400, 'invalid_request_error', 'identifier is longer than 100 characters.', { param: 'identifier' });
      if (this.meterEvents.has(identifier)) throw new StripeError(400, 'invalid_request_error', `An event already exists with identifier ${identifier}.`, { param: 'identifier' });
      this.meterEvents.set(identifier, { identifier, eventName, customer, value, timestamp, cancelled: false });
      return { object: 'billing.meter_event', created: now(), event_name: eventName, identifier, livemode: false, payload: p.payload, timestamp };
    }
    if (method === 'POST' && path === '/v1/billing/meter_event_adjustments') {
      const identifier = p.cancel?.identifier;
      const event = identifier ? this.meterEvents.get(identifier) : undefined;
      if (required('type') !== 'cancel' || !event || event.eventName !== required('event_name')) throw new StripeError(400, 'invalid_request_error', `No meter event with identifier ${identifier} to cancel.`, { param: 'cancel[identifier]' });
      event.cancelled = true;
      return { id: id('mtradj'), object: 'billing.meter_event_adjustment', event_name: event.eventName, type: 'cancel', cancel: { identifier }, status: 'pending', livemode: false };
    }
    if (method === 'GET' && path === '/v1/billing/meters') {
      return list([...this.meters.values()].filter((x) => !p.status || x.status === p.status), path);
    }
    if (method === 'POST' && path === '/v1/billing/meters') {
      const eventName = required('event_name');
      if ([...this.meters.values()].some((x) => x.event_name === eventName && x.status === 'active')) throw new StripeError(400, 'invalid_request_error', `An active meter with event_name ${eventName} already exists.`, { param: 'event_name' });
      const meter = { id: id('mtr'), object: 'billing.meter', display_name: required('display_name'), event_name: eventName, status: 'active', default_aggregation: p.default_aggregation, customer_mapping: p.customer_mapping, value_settings: p.value_settings, created: now(), livemode: false };
      this.meters.set(meter.id, meter);
      return meter;
    }
    if (method === 'GET' && (m = /^\/v1\/billing\/meters\/([^/]+)\/event_summaries$/.exec(path))) {
      const meter = this.meters.get(m[1]);
      if (!meter) throw missing('billing.meter', m[1]);
      const [start, end, customer] = [Number(required('start_time')), Number(required('end_time')), required('customer')];
      let value = 0;
      for (const e of this.meterEvents.values()) if (!e.cancelled && e.eventName === meter.event_name && e.customer === customer && e.timestamp >= start && e.timestamp < end) value += e.value;
      return list([{ id: id('mtrusg'), object: 'billing.meter_event_summary', aggregated_value: value, start_time: start, end_time: end, meter: meter.id, livemode: false }], path);
    }
    if (method === 'GET' && path === '/v1/prices') {
      const keys: string[] | undefined = p.lookup_keys;
      return list([...this.prices.values()].filter((x) => (!keys || keys.includes(x.lookup_key)) && (p.active === undefined || String(x.active) === p.active)), path);
    }
    if (method === 'POST' && path === '/v1/prices') {
      if (p.lookup_key && [...this.prices.values()].some((x) => x.lookup_key === p.lookup_key && x.active)) throw new StripeError(400, 'invalid_request_error', `A price (\`${p.lookup_key}\`) already uses that lookup key.`, { param: 'lookup_key' });
      if (p.recurring?.usage_type === 'metered' && !this.meters.has(p.recurring?.meter)) throw new StripeError(400, 'invalid_request_error', 'Metered prices need recurring[meter].', { param: 'recurring[meter]' });
      const price = {
        id: id('price'), object: 'price', active: true, currency: required('currency'), unit_amount: p.unit_amount === undefined ? null : Number(p.unit_amount),
        lookup_key: p.lookup_key ?? null, product: id('prod'), type: p.recurring ? 'recurring' : 'one_time', billing_scheme: 'per_unit',
        recurring: p.recurring ? { interval: p.recurring.interval, interval_count: 1, usage_type: p.recurring.usage_type ?? 'licensed', meter: p.recurring.meter ?? null } : null,
        transform_quantity: p.transform_quantity ? { divide_by: Number(p.transform_quantity.divide_by), round: p.transform_quantity.round } : null,
        created: now(), livemode: false, metadata: {},
      };
      this.prices.set(price.id, price);
      return price;
    }
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      if (required('mode') !== 'subscription') throw new StripeError(400, 'invalid_request_error', 'Only subscription mode is faked.');
      const customer = required('customer');
      if (!this.customers.has(customer)) throw missing('customer', customer);
      required('success_url');
      const items: Obj[] = required('line_items');
      for (const li of items) {
        const price = this.prices.get(li.price);
        if (!price) throw missing('price', li.price);
        if (price.recurring?.usage_type === 'metered' && li.quantity !== undefined) throw new StripeError(400, 'invalid_request_error', 'Quantity should not be specified where usage_type is `metered`.', { param: 'line_items[quantity]' });
      }
      const session = { id: id('cs_test'), object: 'checkout.session', mode: 'subscription', customer, client_reference_id: p.client_reference_id ?? null, metadata: p.metadata ?? {}, status: 'open', subscription: null, success_url: p.success_url, cancel_url: p.cancel_url ?? null, url: '', _lineItems: items, _subscriptionMetadata: p.subscription_data?.metadata };
      session.url = `${this.url}/checkout/${session.id}`;
      this.checkoutSessions.set(session.id, session);
      const { _lineItems, _subscriptionMetadata, ...visible } = session;
      return visible;
    }
    if (method === 'POST' && path === '/v1/billing_portal/sessions') {
      const customer = required('customer');
      if (!this.customers.has(customer)) throw missing('customer', customer);
      const s = { id: id('bps'), object: 'billing_portal.session', customer, return_url: p.return_url ?? null, created: now(), livemode: false, url: '' };
      s.url = `${this.url}/p/session/${s.id}`;
      return s;
    }
    if (method === 'POST' && path === '/v1/invoices/create_preview') {
      const sub = this.subscriptions.get(required('subscription'));
      if (!sub || sub.customer !== required('customer')) throw missing('subscription', String(p.subscription));
      const item0 = sub.items.data[0];
      const [start, end] = [item0.current_period_start, item0.current_period_end];
      const lines = sub.items.data.map((item: Obj) => {
        const price = item.price;
        let quantity: number;
        if (price.recurring?.usage_type === 'metered') {
          const meter = this.meters.get(price.recurring.meter)!;
          let usage = 0;
          for (const e of this.meterEvents.values()) if (!e.cancelled && e.eventName === meter.event_name && e.customer === sub.customer && e.timestamp >= start && e.timestamp < end) usage += e.value;
          const t = price.transform_quantity;
          quantity = t ? (t.round === 'up' ? Math.ceil(usage / t.divide_by) : Math.floor(usage / t.divide_by)) : usage;
        } else quantity = item.quantity ?? 1;
        return {
          id: id('il'), object: 'line_item', amount: quantity * (price.unit_amount ?? 0), currency: price.currency, description: `${quantity} × ${price.lookup_key ?? price.id}`,
          quantity, period: { start, end }, pricing: { type: 'price_details', price_details: { price: price.id, product: price.product }, unit_amount_decimal: String(price.unit_amount ?? 0) },
        };
      });
      const subtotal = lines.reduce((s: number, l: Obj) => s + l.amount, 0);
      return { id: `upcoming_${sub.id}`, object: 'invoice', customer: sub.customer, subscription: sub.id, currency: lines[0]?.currency ?? 'usd', lines: list(lines, '/v1/invoices/upcoming/lines'), subtotal, total: subtotal, amount_due: subtotal, period_start: start, period_end: end, livemode: false };
    }
    throw new StripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
  }
}

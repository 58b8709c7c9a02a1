import { Database, preparedQuery } from '../db/database';
import { Role } from '../tenancy/membership.entity';

/** Shopify-style bucket state, reported in `extensions.cost.throttleStatus` of every response. */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface Admission {
  allowed: boolean;
  status: ThrottleStatus;
  /** When not allowed: how long until the requested cost is available. */
  retryAfterMs: number;
}

/**
 * `query`: the tenant's query-cost bucket; `inference`: the caller's model-invocation bucket;
 * `plan`: a bucket sized by the tenant's plan (its settings come with each take).
 */
export type BucketKind = 'query' | 'inference' | 'plan';

export interface BucketSettings {
  capacity: number;
  restoreRate: number;
}

export interface BucketTake {
  kind: BucketKind;
  key: string;
  cost: number;
  /** This bucket's size and refill, when they are not the kind's (plan limits). */
  limits?: BucketSettings;
}

/** A refill-then-take upsert of one bucket; `$1`/`$2` are the membership check's user and tenant. */
function bucketCte(name: string, p: number): string {
  const [key, capacity, rate, cost] = [`$${p}`, `$${p + 1}::float8`, `$${p + 2}::float8`, `$${p + 3}::float8`];
  const refilled = `LEAST(${capacity}, b.available + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * ${rate})`;
  return `${name} AS (
    INSERT INTO rate_limit_buckets AS b (key, available, updated_at, last_allowed)
    SELECT ${key}, CASE WHEN ${cost} <= ${capacity} THEN ${capacity} - ${cost} ELSE ${capacity} END, clock_timestamp(), ${cost} <= ${capacity}
     WHERE $1::uuid IS NULL OR EXISTS (SELECT 1 FROM m)
    ON CONFLICT (key) DO UPDATE SET
      available = ${refilled} - CASE WHEN ${refilled} >= ${cost} THEN ${cost} ELSE 0 END,
      last_allowed = ${refilled} >= ${cost},
      updated_at = clock_timestamp()
    RETURNING b.available, b.last_allowed)`;
}

/** The statement for `n` buckets (cached: one text, so one prepared plan, per count). */
const statements = new Map<number, string>();
function takeStatement(n: number): string {
  let sql = statements.get(n);
  if (!sql) {
    const names = Array.from({ length: n }, (_, i) => `b${i}`);
    // synchronous_commit off for this statement's own transaction: a bucket's last few milliseconds
    // of state may be lost in a crash (a caller gets a few requests back), and no request waits for
    // a WAL flush just to be counted.
    sql = `WITH m AS (SELECT role FROM memberships WHERE $1::uuid IS NOT NULL AND user_id = $1::uuid AND tenant_id = $2::uuid),
      async AS (SELECT set_config('synchronous_commit', 'off', true) AS v),
      ${names.map((b, i) => bucketCte(b, 3 + i * 4)).join(',\n')}
      SELECT (SELECT role FROM m) AS role, (SELECT v FROM async) AS commit_mode, ${names.map((b, i) => `${b}.available AS a${i}, ${b}.last_allowed AS ok${i}`).join(', ')}
        FROM ${names.join(' CROSS JOIN ')}`;
    statements.set(n, sql);
  }
  return sql;
}

/**
 * Leaky buckets (a tenant's query cost, a caller's inference requests), kept in Postgres so every
 * API replica shares them. One statement refills each bucket by elapsed time and takes its cost
 * only if available, for every bucket a request needs at once: one round trip per request.
 */
export class RateLimiter {
  constructor(private readonly db: Database, private readonly settings: Partial<Record<BucketKind, BucketSettings>>) {}

  private limitsOf(take: BucketTake): BucketSettings {
    const limits = take.limits ?? this.settings[take.kind];
    if (!limits) throw new Error(`no limits for a ${take.kind} bucket`);
    return limits;
  }

  /**
   * Takes each bucket's cost (each bucket decides on its own). With `member`, the same statement
   * also looks up that user's role in that tenant and touches no bucket when there is none (so
   * nobody can drain the buckets of a tenant they do not belong to); `role` is then null.
   */
  async takeAll(takes: BucketTake[], member: { userId: string; tenantId: string } | null = null): Promise<{ admissions: Admission[]; role: Role | null }> {
    // Same key order in every statement, so two requests never wait on each other's rows crosswise.
    const order = takes.map((_, i) => i).sort((a, b) => (takes[a].key < takes[b].key ? -1 : 1));
    const params: unknown[] = [member?.userId ?? null, member?.tenantId ?? null];
    for (const i of order) {
      const { capacity, restoreRate } = this.limitsOf(takes[i]);
      params.push(takes[i].key, capacity, restoreRate, takes[i].cost);
    }
    const rows = await preparedQuery<Record<string, unknown>>(this.db.dataSource, takeStatement(takes.length), params);
    const row = rows[0];
    const admissions: Admission[] = new Array(takes.length);
    order.forEach((i, j) => {
      const { capacity, restoreRate } = this.limitsOf(takes[i]);
      const available = row ? Number(row[`a${j}`]) : capacity;
      const allowed = row ? Boolean(row[`ok${j}`]) : false;
      admissions[i] = {
        allowed,
        status: { maximumAvailable: capacity, currentlyAvailable: Math.floor(available), restoreRate },
        retryAfterMs: allowed ? 0 : Math.ceil(((takes[i].cost - available) / restoreRate) * 1000),
      };
    });
    return { admissions, role: (row?.role as Role | null) ?? null };
  }
}

import { Database } from '../db/database';
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
 * A leaky bucket per key (tenant or anonymous client), kept in Postgres so every API replica
 * shares it. One statement refills by elapsed time and takes the cost only if it is available.
 */
export class RateLimiter {
  constructor(private readonly db: Database, private readonly settings: { capacity: number; restoreRate: number }) {}

  /**
   * Takes `cost` from `key`'s bucket. With `member`, the same statement also looks up that user's
   * role in that tenant, and touches no bucket when there is none (so nobody can drain the bucket
   * of a tenant they do not belong to); `role` is then null.
   */
  async take(key: string, cost: number, member: { userId: string; tenantId: string } | null = null): Promise<Admission & { role: Role | null }> {
    const { capacity, restoreRate } = this.settings;
    const refilled = `LEAST($2::float8, b.available + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * $3::float8)`;
    const rows: { available: number; allowed: boolean; role: Role | null }[] = await this.db.dataSource.query(
      `WITH m AS (SELECT role FROM memberships WHERE $5::uuid IS NOT NULL AND user_id = $5::uuid AND tenant_id = $6::uuid),
       b AS (
         INSERT INTO rate_limit_buckets AS b (key, available, updated_at, last_allowed)
         SELECT $1, CASE WHEN $4::float8 <= $2::float8 THEN $2::float8 - $4::float8 ELSE $2::float8 END, clock_timestamp(), $4::float8 <= $2::float8
          WHERE $5::uuid IS NULL OR EXISTS (SELECT 1 FROM m)
         ON CONFLICT (key) DO UPDATE SET
           available = ${refilled} - CASE WHEN ${refilled} >= $4::float8 THEN $4::float8 ELSE 0 END,
           last_allowed = ${refilled} >= $4::float8,
           updated_at = clock_timestamp()
         RETURNING b.available, b.last_allowed
       )
       SELECT b.available, b.last_allowed AS allowed, (SELECT role FROM m) AS role FROM b`,
      [key, capacity, restoreRate, cost, member?.userId ?? null, member?.tenantId ?? null],
    );
    const row = rows[0] ?? { available: capacity, allowed: false, role: null };
    const available = Number(row.available);
    const status = { maximumAvailable: capacity, currentlyAvailable: Math.floor(available), restoreRate };
    const retryAfterMs = row.allowed ? 0 : Math.ceil(((cost - available) / restoreRate) * 1000);
    return { allowed: row.allowed, status, retryAfterMs, role: row.role };
  }
}

import { Database } from '../db/database';

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

  async take(key: string, cost: number): Promise<Admission> {
    const { capacity, restoreRate } = this.settings;
    const refilled = `LEAST($2::float8, b.available + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * $3::float8)`;
    const [row]: { available: number; allowed: boolean }[] = await this.db.dataSource.query(
      `INSERT INTO rate_limit_buckets AS b (key, available, updated_at, last_allowed)
       VALUES ($1, CASE WHEN $4::float8 <= $2::float8 THEN $2::float8 - $4::float8 ELSE $2::float8 END, clock_timestamp(), $4::float8 <= $2::float8)
       ON CONFLICT (key) DO UPDATE SET
         available = ${refilled} - CASE WHEN ${refilled} >= $4::float8 THEN $4::float8 ELSE 0 END,
         last_allowed = ${refilled} >= $4::float8,
         updated_at = clock_timestamp()
       RETURNING b.available, b.last_allowed AS allowed`,
      [key, capacity, restoreRate, cost],
    );
    const available = Number(row.available);
    const status = { maximumAvailable: capacity, currentlyAvailable: Math.floor(available), restoreRate };
    const retryAfterMs = row.allowed ? 0 : Math.ceil(((cost - available) / restoreRate) * 1000);
    return { allowed: row.allowed, status, retryAfterMs };
  }
}

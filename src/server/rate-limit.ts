import { Database, preparedQuery, type TenantTransaction } from '../db/database';
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

/** One batch's take (see the migration `BucketFunction`): per request and per take arrays. */
const TAKE_BATCH = `SELECT o_member, o_roles, o_available, o_allowed
  FROM tf_take_bucket_batch($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::float8[], $6::float8[], $7::float8[])`;
/** The most requests one statement takes for; more wait for the next. */
const MAX_BATCH = 256;

interface Pending {
  takes: BucketTake[];
  member: { userId: string; tenantId: string } | null;
  resolve: (r: { available: (number | null)[]; allowed: (boolean | null)[]; member: boolean; role: Role | null }) => void;
  reject: (e: Error) => void;
}

interface BatchRow {
  o_member: boolean[];
  o_roles: (Role | null)[];
  o_available: (number | null)[];
  o_allowed: (boolean | null)[];
}

/**
 * Leaky buckets (a tenant's query cost, a caller's inference requests), kept in Postgres so every
 * API replica shares them. A take refills each bucket by elapsed time and takes its cost only if
 * available, for every bucket a request needs at once, and commits on its own (with
 * `synchronous_commit` off: a crash may give back a few milliseconds of requests).
 *
 * Takes are group-committed: a replica has one take statement in flight at a time, and the
 * requests that arrive meanwhile go together in the next one (`tf_take_bucket_batch`). Each
 * request's buckets still decide in arrival order, exactly as one statement per request would;
 * but a tenant's hot bucket row is updated by one transaction per batch, not one per request
 * (under load those spent more time queued on that row's lock than working).
 */
export class RateLimiter {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(private readonly db: Database, private readonly settings: Partial<Record<BucketKind, BucketSettings>>) {}

  private limitsOf(take: BucketTake): BucketSettings {
    const limits = take.limits ?? this.settings[take.kind];
    if (!limits) throw new Error(`no limits for a ${take.kind} bucket`);
    return limits;
  }

  /**
   * Takes each bucket's cost (each bucket decides on its own). With `member`, the same statement
   * also looks up that user's role in that tenant and touches no bucket when there is none (so
   * nobody can drain the buckets of a tenant they do not belong to); `role` is then null. A `tx`
   * that has not begun is begun after the take (for a member).
   */
  async takeAll(takes: BucketTake[], member: { userId: string; tenantId: string } | null = null, tx: TenantTransaction | null = null): Promise<{ admissions: Admission[]; role: Role | null }> {
    for (const take of takes) this.limitsOf(take);
    const taken = new Promise<Parameters<Pending['resolve']>[0]>((resolve, reject) => {
      this.queue.push({ takes, member, resolve, reject });
      if (!this.flushing) void this.flush();
    });
    const result = await taken;
    // Only then the request's transaction: a request holding a pool connection while it waits for
    // a take that needs one too would, at pool size, leave every take waiting.
    if (tx && !tx.started && result.member) await tx.manager();
    const admissions = takes.map((take, i): Admission => {
      const { capacity, restoreRate } = this.limitsOf(take);
      const available = result.available[i] ?? capacity;
      const allowed = result.allowed[i] ?? false;
      return {
        allowed,
        status: { maximumAvailable: capacity, currentlyAvailable: Math.floor(available), restoreRate },
        retryAfterMs: allowed ? 0 : Math.ceil(((take.cost - available) / restoreRate) * 1000),
      };
    });
    return { admissions, role: result.member ? result.role : null };
  }

  /** Sends the queued takes, a batch at a time, until none are left. */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.takeBatch(batch);
        } catch (err) {
          for (const p of batch) p.reject(err as Error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async takeBatch(batch: Pending[]): Promise<void> {
    // Every take of the batch, ordered by key (then arrival): all batches of all replicas lock
    // bucket rows in the same order, so two never wait on each other crosswise.
    const all = batch.flatMap((p, r) => p.takes.map((take, i) => ({ take, r, i })));
    all.sort((a, b) => (a.take.key < b.take.key ? -1 : a.take.key > b.take.key ? 1 : a.r - b.r));
    const limits = all.map(({ take }) => this.limitsOf(take));
    const [row] = await preparedQuery<BatchRow>(this.db.dataSource, TAKE_BATCH, [
      batch.map((p) => p.member?.userId ?? null),
      batch.map((p) => p.member?.tenantId ?? null),
      all.map(({ r }) => r + 1),
      all.map(({ take }) => take.key),
      limits.map((l) => l.capacity),
      limits.map((l) => l.restoreRate),
      all.map(({ take }) => take.cost),
    ]);
    const results = batch.map((p, r) => ({
      available: new Array<number | null>(p.takes.length).fill(null),
      allowed: new Array<boolean | null>(p.takes.length).fill(null),
      member: row.o_member[r],
      role: row.o_roles[r],
    }));
    all.forEach(({ r, i }, j) => {
      results[r].available[i] = row.o_available[j] === null ? null : Number(row.o_available[j]);
      results[r].allowed[i] = row.o_allowed[j];
    });
    batch.forEach((p, r) => p.resolve(results[r]));
  }
}

import { escapeLiteral } from 'pg';
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

const TAKE_COLUMNS = 'SELECT o_role, o_available, o_allowed FROM tf_take_buckets';
/** The take as a prepared statement (on the pool). */
const TAKE_PREPARED = `${TAKE_COLUMNS}($1::uuid, $2::uuid, $3::text[], $4::float8[], $5::float8[], $6::float8[])`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The take with its values inlined, for a simple-protocol batch (see `TenantTransaction.beginAfter`). */
function takeInline(args: TakeArgs): string {
  const uuid = (v: string | null) => {
    if (v !== null && !UUID.test(v)) throw new Error('bucket member ids must be UUIDs');
    return v === null ? 'NULL::uuid' : `'${v}'::uuid`;
  };
  const numbers = (xs: number[]) => {
    if (!xs.every(Number.isFinite)) throw new Error('bucket settings must be finite numbers');
    return `'{${xs.join(',')}}'::float8[]`;
  };
  return `${TAKE_COLUMNS}(${uuid(args.user)}, ${uuid(args.tenant)}, ARRAY[${args.keys.map((k) => escapeLiteral(k)).join(',')}]::text[], ${numbers(args.capacity)}, ${numbers(args.rate)}, ${numbers(args.cost)})`;
}

interface TakeArgs {
  user: string | null;
  tenant: string | null;
  keys: string[];
  capacity: number[];
  rate: number[];
  cost: number[];
}

interface TakeRow {
  o_role: Role | null;
  o_available: number[] | null;
  o_allowed: boolean[] | null;
}

/**
 * Leaky buckets (a tenant's query cost, a caller's inference requests), kept in Postgres so every
 * API replica shares them. One statement (`tf_take_buckets`) refills each bucket by elapsed time
 * and takes its cost only if available, for every bucket a request needs at once. It commits on
 * its own, and when the request will open a tenant transaction it rides in the round trip that
 * begins it, so the limit costs no round trip of its own.
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
   * nobody can drain the buckets of a tenant they do not belong to); `role` is then null. With a
   * `tx` that has not begun, the take is sent in the round trip that begins it.
   */
  async takeAll(takes: BucketTake[], member: { userId: string; tenantId: string } | null = null, tx: TenantTransaction | null = null): Promise<{ admissions: Admission[]; role: Role | null }> {
    // Same key order in every statement, so two requests never wait on each other's rows crosswise.
    const order = takes.map((_, i) => i).sort((a, b) => (takes[a].key < takes[b].key ? -1 : 1));
    const args: TakeArgs = { user: member?.userId ?? null, tenant: member?.tenantId ?? null, keys: [], capacity: [], rate: [], cost: [] };
    for (const i of order) {
      const { capacity, restoreRate } = this.limitsOf(takes[i]);
      args.keys.push(takes[i].key);
      args.capacity.push(capacity);
      args.rate.push(restoreRate);
      args.cost.push(takes[i].cost);
    }
    const rows = tx && !tx.started
      ? await tx.beginAfter<TakeRow>(takeInline(args))
      : await preparedQuery<TakeRow>(this.db.dataSource, TAKE_PREPARED, [args.user, args.tenant, args.keys, args.capacity, args.rate, args.cost]);
    const row = rows[0];
    const admissions: Admission[] = new Array(takes.length);
    order.forEach((i, j) => {
      const { capacity, restoreRate } = this.limitsOf(takes[i]);
      const taken = row?.o_available != null && row.o_allowed != null;
      const available = taken ? Number(row.o_available![j]) : capacity;
      const allowed = taken ? Boolean(row.o_allowed![j]) : false;
      admissions[i] = {
        allowed,
        status: { maximumAvailable: capacity, currentlyAvailable: Math.floor(available), restoreRate },
        retryAfterMs: allowed ? 0 : Math.ceil(((takes[i].cost - available) / restoreRate) * 1000),
      };
    });
    return { admissions, role: row?.o_role ?? null };
  }
}

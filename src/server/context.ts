import DataLoader from 'dataloader';
import { Logger } from 'pino';
import { EntityManager } from 'typeorm';
import { Principal } from '../auth/principal';
import { User } from '../auth/user.entity';
import { AppError } from '../common/errors';
import { DatasetUpload } from '../datasets/dataset-upload.entity';
import { partsOf } from '../datasets/split-files';
import { preparedQuery, TenantTransaction } from '../db/database';
import { Tenant } from '../tenancy/tenant.entity';
import { Admission } from './rate-limit';
import { Services } from './services';

/** Per-request batching loaders: relations that fan out (members → user) cost one query per level. */
export interface Loaders {
  user: DataLoader<string, User | null>;
  tenant: DataLoader<string, Tenant | null>;
  /** Dataset id → its split files' uploads, in split order: one query per page of datasets. */
  datasetFiles: DataLoader<string, DatasetUpload[]>;
}

export interface Context {
  requestId: string;
  principal: Principal | null;
  /** The request's tenant transaction; null for anonymous requests. */
  tx: TenantTransaction | null;
  services: Services;
  loaders: Loaders;
  log: Logger;
  /** Base URL clients reach this API at (PUBLIC_URL, or the request's scheme and host). */
  publicUrl: string;
  /** Client key for anonymous rate limiting (the remote address). */
  clientKey: string;
  /** Entries resolvers add to the response's `extensions` (e.g. the inference rate limit). */
  extensions: Record<string, unknown>;
  /** Buckets the request plugin already took from for this operation, beside the query-cost one (inference: `InferenceService.admissionTakes` order). */
  admissions: { inference?: Admission[] };
}

function byId<T extends { id: string }>(load: (ids: string[]) => Promise<T[]>): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const rows = await load([...ids]);
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

export function createLoaders(manager: () => Promise<EntityManager>): Loaders {
  // Hot on nearly every request: prepared statements (planned once per connection), no entity metadata walk.
  const rowsOf = async <R>(sql: string, ids: string[]) => preparedQuery<R>(await manager(), sql, [ids]);
  return {
    user: byId(async (ids) =>
      (await rowsOf<{ id: string; email: string; created_at: Date }>(`SELECT id, email, created_at FROM users WHERE id = ANY($1::uuid[])`, ids)).map((r) =>
        Object.assign(new User(), { id: r.id, email: r.email, createdAt: r.created_at }),
      ),
    ),
    tenant: byId(async (ids) =>
      (await rowsOf<{ id: string; name: string; slug: string; plan: string; created_at: Date }>(`SELECT id, name, slug, plan, created_at FROM tenants WHERE id = ANY($1::uuid[])`, ids)).map((r) =>
        Object.assign(new Tenant(), { id: r.id, name: r.name, slug: r.slug, plan: r.plan, createdAt: r.created_at }),
      ),
    ),
    datasetFiles: new DataLoader(async (ids) => {
      const byDataset = await partsOf(await manager(), ids);
      return ids.map((id) => byDataset.get(id) ?? []);
    }),
  };
}

/** The caller, or UNAUTHENTICATED. */
export function principalOf(ctx: Context): Principal {
  if (!ctx.principal) throw new AppError('UNAUTHENTICATED', 'sign in: send Authorization: Bearer <token or API key>');
  if (ctx.principal.membershipUnchecked) throw new AppError('UNAUTHENTICATED', 'membership not verified');
  return ctx.principal;
}

/** The request's tenant-scoped EntityManager (row-level security on), or UNAUTHENTICATED. */
export function tenantManager(ctx: Context): Promise<EntityManager> {
  principalOf(ctx);
  return ctx.tx!.manager();
}

/** The request's tenant transaction itself (for services that release it early), or UNAUTHENTICATED. */
export function requestTransaction(ctx: Context): TenantTransaction {
  principalOf(ctx);
  return ctx.tx!;
}

/** Tenant-private lists are readable only for the tenant the request acts for (pick another with X-Tenant-Id). */
export function assertCurrentTenant(ctx: Context, tenantId: string): void {
  if (principalOf(ctx).tenantId !== tenantId) {
    throw new AppError('FORBIDDEN', 'this list is only readable for the current tenant: send X-Tenant-Id to switch');
  }
}

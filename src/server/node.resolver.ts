import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { EntityManager } from 'typeorm';
import { preparedQuery } from '../db/database';
import { ApiKey } from '../auth/api-key.entity';
import { presentApiKey } from '../auth/auth.types';
import { Scope } from '../auth/scopes';
import { User } from '../auth/user.entity';
import { AppError, notFound } from '../common/errors';
import { parseGlobalId } from '../common/global-id';
import { Node } from '../common/relay';
import { Invitation } from '../tenancy/invitation.entity';
import { Membership, Role } from '../tenancy/membership.entity';
import { Tenant } from '../tenancy/tenant.entity';
import { Dataset } from '../datasets/dataset.entity';
import { presentDataset } from '../datasets/dataset.types';
import { ModelVersion } from '../models/model-version.entity';
import { TrainingRun } from '../training/training-run.entity';
import { presentModel, presentVersion } from '../models/model.types';
import { Model } from '../models/model.entity';
import { presentRun } from '../training/training-run.types';
import { presentInvitation, presentMembership, presentTenant, presentUser } from '../tenancy/tenancy.types';
import { Context, principalOf, tenantManager } from './context';

/** How `node(id)` fetches each type: through the tenant's RLS-bound manager, so foreign rows are invisible. */
export interface NodeFetcher {
  scope?: Scope;
  fetch(m: EntityManager, id: string): Promise<Node | null>;
}

const fetchers: Record<string, NodeFetcher> = {
  Tenant: { fetch: async (m, id) => { const t = await m.findOneBy(Tenant, { id }); return t && presentTenant(t); } },
  User: { fetch: async (m, id) => { const u = await m.findOneBy(User, { id }); return u && presentUser(u); } },
  Membership: {
    // With its user joined in (what a membership is usually asked for), as a members page does.
    fetch: async (m, id) => {
      const [r] = await preparedQuery<{ id: string; tenant_id: string; user_id: string; role: Role; created_at: Date; email: string | null; user_created_at: Date | null }>(
        m,
        `SELECT ms.id, ms.tenant_id, ms.user_id, ms.role, ms.created_at, u.email, u.created_at AS user_created_at
           FROM memberships ms LEFT JOIN users u ON u.id = ms.user_id WHERE ms.id = $1`,
        [id],
      );
      if (!r) return null;
      const membership = Object.assign(new Membership(), { id: r.id, tenantId: r.tenant_id, userId: r.user_id, role: r.role, createdAt: r.created_at });
      return presentMembership(membership, r.email === null ? undefined : { id: r.user_id, email: r.email, createdAt: r.user_created_at! });
    },
  },
  Invitation: { scope: 'admin', fetch: async (m, id) => { const x = await m.findOneBy(Invitation, { id }); return x && presentInvitation(x); } },
  ApiKey: { scope: 'admin', fetch: async (m, id) => { const x = await m.findOneBy(ApiKey, { id }); return x && presentApiKey(x); } },
  Dataset: { scope: 'datasets:read', fetch: async (m, id) => { const x = await m.findOneBy(Dataset, { id }); return x && presentDataset(x); } },
  TrainingRun: { scope: 'runs:read', fetch: async (m, id) => { const x = await m.findOneBy(TrainingRun, { id }); return x && presentRun(x); } },
  Model: { scope: 'models:read', fetch: async (m, id) => { const x = await m.findOneBy(Model, { id }); return x && presentModel(x); } },
  ModelVersion: { scope: 'models:read', fetch: async (m, id) => { const x = await m.findOneBy(ModelVersion, { id }); return x && presentVersion(x); } },
};

/** Lets a feature make its types reachable through `node(id)`. */
export function registerNodeType(type: string, fetcher: NodeFetcher): void {
  fetchers[type] = fetcher;
}

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Any object by global ID. Missing and foreign IDs are both NOT_FOUND.' })
  async node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Node> {
    const principal = principalOf(ctx);
    const parsed = parseGlobalId(id);
    const fetcher = parsed && fetchers[parsed.type];
    if (!parsed || !fetcher) throw notFound('Node');
    if (fetcher.scope && !principal.scopes.has(fetcher.scope)) {
      throw new AppError('FORBIDDEN', `reading a ${parsed.type} needs the "${fetcher.scope}" scope`, { extensions: { requiredScope: fetcher.scope } });
    }
    const node = await fetcher.fetch(await tenantManager(ctx), parsed.id);
    if (!node) throw notFound(parsed.type);
    return node;
  }
}

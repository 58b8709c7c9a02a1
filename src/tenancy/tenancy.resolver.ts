import { Arg, Args, Authorized, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { ApiKeyNode, presentApiKey } from '../auth/auth.types';
import { ApiKey } from '../auth/api-key.entity';
import { notFound, toPayload } from '../common/errors';
import { PageArgs } from '../common/relay';
import { assertCurrentTenant, Context, principalOf, tenantManager } from '../server/context';
import { Role } from './membership.entity';
import {
  AcceptInvitationPayload,
  InvitationConnection,
  InviteMemberInput,
  InviteMemberPayload,
  MembershipConnection,
  MembershipNode,
  MembershipPayload,
  presentInvitation,
  presentMembership,
  presentTenant,
  presentUser,
  tenantRef,
  TenantNode,
  UpdateMemberRoleInput,
  UserNode,
} from './tenancy.types';

@ObjectType({ description: 'The caller: a signed-in user, or an API key, acting for one tenant.' })
export class Viewer {
  @Field(() => Role, { nullable: true, description: 'The user\'s role in the tenant; null for API keys.' }) role!: Role | null;
  @Field(() => [String]) scopes!: string[];
  tenantId!: string;
  userId!: string | null;
  apiKeyId!: string | null;
}

/** Who is calling: its rows (user, API key, tenant) are read only when the query asks for them. */
@Resolver(() => Viewer)
export class ViewerResolver {
  @Query(() => Viewer, { description: 'Who is calling, for which tenant, with which scopes.' })
  viewer(@Ctx() ctx: Context): Viewer {
    const p = principalOf(ctx);
    return { role: p.role, scopes: [...p.scopes].sort(), tenantId: p.tenantId, userId: p.userId, apiKeyId: p.apiKeyId };
  }

  @FieldResolver(() => UserNode, { nullable: true, description: 'Null when the caller is an API key.' })
  async user(@Root() viewer: Viewer, @Ctx() ctx: Context): Promise<UserNode | null> {
    const user = viewer.userId ? await ctx.loaders.user.load(viewer.userId) : null;
    return user ? presentUser(user) : null;
  }

  @FieldResolver(() => ApiKeyNode, { nullable: true, description: 'Null when the caller is a user.' })
  async apiKey(@Root() viewer: Viewer, @Ctx() ctx: Context): Promise<ApiKeyNode | null> {
    const apiKey = viewer.apiKeyId ? await (await tenantManager(ctx)).findOneBy(ApiKey, { id: viewer.apiKeyId }) : null;
    return apiKey ? presentApiKey(apiKey) : null;
  }

  @FieldResolver(() => TenantNode, { description: 'The tenant this request acts for.' })
  tenant(@Root() viewer: Viewer): TenantNode {
    // Its row is read only if the query asks for more than its id and relations (TenantResolver).
    return tenantRef(viewer.tenantId);
  }

  @FieldResolver(() => [TenantNode], { description: 'Every tenant the user belongs to (for a tenant switcher); for an API key, its own.' })
  async tenants(@Root() viewer: Viewer, @Ctx() ctx: Context): Promise<TenantNode[]> {
    if (!viewer.userId) return [tenantRef(viewer.tenantId)];
    const rows = await ctx.services.tenancy.tenantsOfUser(await tenantManager(ctx), viewer.userId);
    return rows.map((r) => presentTenant(r.tenant));
  }
}

@Resolver(() => TenantNode)
export class TenantResolver {
  /** The tenant's row: the node's own when it was built from one, else read once per request (loader). */
  private async row(tenant: TenantNode, ctx: Context): Promise<TenantNode> {
    if (tenant.name !== undefined) return tenant;
    const row = await ctx.loaders.tenant.load(tenant.rowId);
    if (!row) throw notFound('Tenant');
    return presentTenant(row);
  }

  @FieldResolver()
  async name(@Root() tenant: TenantNode, @Ctx() ctx: Context): Promise<string> {
    return (await this.row(tenant, ctx)).name;
  }

  @FieldResolver()
  async slug(@Root() tenant: TenantNode, @Ctx() ctx: Context): Promise<string> {
    return (await this.row(tenant, ctx)).slug;
  }

  @FieldResolver()
  async plan(@Root() tenant: TenantNode, @Ctx() ctx: Context): Promise<string> {
    return (await this.row(tenant, ctx)).plan;
  }

  @FieldResolver()
  async createdAt(@Root() tenant: TenantNode, @Ctx() ctx: Context): Promise<Date> {
    return (await this.row(tenant, ctx)).createdAt;
  }

  @FieldResolver(() => MembershipConnection, { description: 'Members of the tenant, oldest first.' })
  async members(@Root() tenant: TenantNode, @Args() page: PageArgs, @Ctx() ctx: Context) {
    assertCurrentTenant(ctx, tenant.rowId);
    // Each edge carries its user (joined by the page's query), so `user` needs no loader.
    return ctx.services.tenancy.listMembers(await tenantManager(ctx), tenant.rowId, page, (membership) => presentMembership(membership, membership.user));
  }

  @Authorized('admin')
  @FieldResolver(() => InvitationConnection, { description: 'Invitations sent, oldest first.' })
  async invitations(@Root() tenant: TenantNode, @Args() page: PageArgs, @Ctx() ctx: Context) {
    assertCurrentTenant(ctx, tenant.rowId);
    return ctx.services.tenancy.listInvitations(await tenantManager(ctx), tenant.rowId, page, presentInvitation);
  }
}

@Resolver(() => MembershipNode)
export class MembershipResolver {
  @FieldResolver(() => TenantNode)
  async tenant(@Root() membership: MembershipNode, @Ctx() ctx: Context): Promise<TenantNode> {
    const tenant = await ctx.loaders.tenant.load(membership.tenantId);
    if (!tenant) throw notFound('Tenant');
    return presentTenant(tenant);
  }

  @Authorized('admin')
  @Mutation(() => InviteMemberPayload, { description: 'Invite someone by email. The token in the payload is shown once.' })
  async inviteMember(@Arg('input') input: InviteMemberInput, @Ctx() ctx: Context): Promise<InviteMemberPayload> {
    const m = await tenantManager(ctx);
    return toPayload(async () => {
      const { invitation, token } = await ctx.services.tenancy.inviteMember(m, principalOf(ctx), input);
      return { invitation: presentInvitation(invitation), token };
    }, { invitation: null, token: null });
  }

  @Mutation(() => AcceptInvitationPayload, { description: 'Join a tenant with an invitation token, as the signed-in user.' })
  async acceptInvitation(@Arg('token') token: string, @Ctx() ctx: Context): Promise<AcceptInvitationPayload> {
    const p = principalOf(ctx);
    return toPayload(async () => {
      const tenant = await ctx.services.tenancy.acceptInvitation(p, token);
      return { tenant: presentTenant(tenant) };
    }, { tenant: null });
  }

  @Authorized('admin')
  @Mutation(() => MembershipPayload, { description: 'Change a member\'s role. The last OWNER cannot be demoted.' })
  async updateMemberRole(@Arg('input') input: UpdateMemberRoleInput, @Ctx() ctx: Context): Promise<MembershipPayload> {
    const m = await tenantManager(ctx);
    return toPayload(async () => ({
      membership: presentMembership(await ctx.services.tenancy.updateMemberRole(m, principalOf(ctx), input.membershipId, input.role)),
    }), { membership: null });
  }

  @Mutation(() => MembershipPayload, { description: 'Remove a member (admin), or leave (your own membership). The last OWNER cannot be removed.' })
  async removeMember(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<MembershipPayload> {
    const m = await tenantManager(ctx);
    return toPayload(async () => ({
      membership: presentMembership(await ctx.services.tenancy.removeMember(m, principalOf(ctx), id)),
    }), { membership: null });
  }
}

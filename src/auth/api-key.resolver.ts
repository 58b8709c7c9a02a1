import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { toPayload } from '../common/errors';
import { PageArgs } from '../common/relay';
import { assertCurrentTenant, Context, principalOf, tenantManager } from '../server/context';
import { presentUser, TenantNode, UserNode } from '../tenancy/tenancy.types';
import { ApiKeyConnection, ApiKeyNode, CreateApiKeyInput, CreateApiKeyPayload, presentApiKey, RevokeApiKeyPayload } from './auth.types';

@Resolver(() => ApiKeyNode)
export class ApiKeyResolver {
  @Authorized('admin')
  @Mutation(() => CreateApiKeyPayload, { description: 'Create an API key. The secret is in this response only.' })
  async createApiKey(@Arg('input') input: CreateApiKeyInput, @Ctx() ctx: Context): Promise<CreateApiKeyPayload> {
    const m = await tenantManager(ctx);
    return toPayload(async () => {
      const { apiKey, secret } = await ctx.services.apiKeys.createApiKey(m, principalOf(ctx), input);
      return { apiKey: presentApiKey(apiKey), secret };
    }, { apiKey: null, secret: null });
  }

  @Authorized('admin')
  @Mutation(() => RevokeApiKeyPayload, { description: 'Revoke an API key at once. Idempotent.' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<RevokeApiKeyPayload> {
    const m = await tenantManager(ctx);
    return toPayload(async () => ({ apiKey: presentApiKey(await ctx.services.apiKeys.revokeApiKey(m, id)) }), { apiKey: null });
  }

  @FieldResolver(() => UserNode, { nullable: true, description: 'The user who created the key.' })
  async createdBy(@Root() key: ApiKeyNode, @Ctx() ctx: Context): Promise<UserNode | null> {
    if (!key.createdById) return null;
    const user = await ctx.loaders.user.load(key.createdById);
    return user ? presentUser(user) : null;
  }
}

@Resolver(() => TenantNode)
export class TenantApiKeysResolver {
  @Authorized('admin')
  @FieldResolver(() => ApiKeyConnection, { description: 'The tenant\'s API keys, oldest first (revoked ones included).' })
  async apiKeys(@Root() tenant: TenantNode, @Args() page: PageArgs, @Ctx() ctx: Context) {
    assertCurrentTenant(ctx, tenant.rowId);
    return ctx.services.apiKeys.listApiKeys(await tenantManager(ctx), page, presentApiKey);
  }
}

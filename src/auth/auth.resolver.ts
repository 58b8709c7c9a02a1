import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { toPayload } from '../common/errors';
import { Context } from '../server/context';
import { presentTenant, presentUser } from '../tenancy/tenancy.types';
import { AuthResult } from './auth.service';
import { AuthPayload, LogInInput, LogOutPayload, SignUpInput } from './auth.types';

const EMPTY = { token: null, refreshToken: null, expiresAt: null, user: null, tenant: null };

const present = (r: AuthResult) => ({
  token: r.token,
  refreshToken: r.refreshToken,
  expiresAt: r.expiresAt,
  user: presentUser(r.user),
  tenant: r.tenant ? presentTenant(r.tenant) : null,
});

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, { description: 'Create an account and a tenant (or join one with an invitation token).' })
  signUp(@Arg('input') input: SignUpInput, @Ctx() ctx: Context): Promise<AuthPayload> {
    return toPayload(async () => present(await ctx.services.auth.signUp(input)), EMPTY);
  }

  @Mutation(() => AuthPayload, { description: 'Exchange email and password for an access token and a refresh token.' })
  logIn(@Arg('input') input: LogInInput, @Ctx() ctx: Context): Promise<AuthPayload> {
    return toPayload(async () => present(await ctx.services.auth.logIn(input)), EMPTY);
  }

  @Mutation(() => AuthPayload, { description: 'Rotate a refresh token. Each is single-use: reusing one revokes the whole session.' })
  refreshSession(@Arg('refreshToken') refreshToken: string, @Ctx() ctx: Context): Promise<AuthPayload> {
    return toPayload(async () => present(await ctx.services.auth.refreshSession(refreshToken)), EMPTY);
  }

  @Mutation(() => LogOutPayload, { description: 'End the session a refresh token belongs to.' })
  async logOut(@Arg('refreshToken') refreshToken: string, @Ctx() ctx: Context): Promise<LogOutPayload> {
    await ctx.services.sessions.revoke(refreshToken);
    return { userErrors: [] };
  }
}

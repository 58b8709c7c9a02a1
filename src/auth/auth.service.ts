import { EntityManager, QueryFailedError } from 'typeorm';
import { AppError, Problems } from '../common/errors';
import { parseGlobalId } from '../common/global-id';
import { Database } from '../db/database';
import { Membership, Role } from '../tenancy/membership.entity';
import { Tenant } from '../tenancy/tenant.entity';
import { checkEmail, checkTenantName, normaliseEmail, TenancyService } from '../tenancy/tenancy.service';
import { ApiKeyService, looksLikeApiKey } from './api-key.service';
import { Principal } from './principal';
import { scopesOfRole } from './scopes';
import { dummyPasswordHash, hashPassword, verifyPassword } from './secrets';
import { SessionService, SessionTokens } from './session.service';
import { User } from './user.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

export interface SignUpInput {
  email: string;
  password: string;
  tenantName?: string | null;
  invitationToken?: string | null;
}

export interface LogInInput {
  email: string;
  password: string;
  tenantId?: string | null;
  invitationToken?: string | null;
}

export interface AuthResult extends SessionTokens {
  user: User;
  tenant: Tenant | null;
}

const isUniqueViolation = (err: unknown) => err instanceof QueryFailedError && (err as QueryFailedError & { code?: string }).code === '23505';

/**
 * Sign-up, log-in, session refresh, and turning a bearer credential into a Principal.
 * These run before a tenant is known, so they use system transactions.
 */
export class AuthService {
  constructor(
    private readonly db: Database,
    private readonly sessions: SessionService,
    private readonly apiKeys: ApiKeyService,
    private readonly tenancy: TenancyService,
  ) {}

  /** Creates a user and either a new tenant (they become its OWNER) or joins the tenant of an invitation. */
  async signUp(input: SignUpInput): Promise<AuthResult> {
    const problems = new Problems();
    checkEmail(problems, input.email);
    this.checkPassword(problems, input.password);
    if (!input.invitationToken) checkTenantName(problems, input.tenantName);
    problems.throwIfAny();
    const passwordHash = await hashPassword(input.password);
    try {
      return await this.db.system(async (m) => {
        const user = m.create(User, { email: normaliseEmail(input.email), passwordHash });
        await m.save(user);
        const tenant = input.invitationToken
          ? await m.findOneByOrFail(Tenant, { id: await this.tenancy.redeemInvitation(m, input.invitationToken, user) })
          : await this.tenancy.createTenant(m, input.tenantName ?? '', user.id);
        return { ...(await this.sessions.open(m, user.id, tenant.id)), user, tenant };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'an account with this email already exists: log in instead', { field: 'email' });
      throw err;
    }
  }

  /**
   * Verifies email and password (the same answer and similar timing for an unknown email and a
   * wrong password), optionally redeems an invitation, and opens a session for a tenant.
   */
  async logIn(input: LogInInput): Promise<AuthResult> {
    const email = normaliseEmail(input.email);
    const user = await this.db.dataSource.createQueryBuilder(User, 'u').addSelect('u.passwordHash').where('u.email = :email', { email }).getOne();
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), input.password);
    if (!user || !ok) throw new AppError('BAD_USER_INPUT', 'email or password is incorrect', { problems: [{ field: null, message: 'email or password is incorrect', code: 'INVALID_CREDENTIALS' }] });
    return this.db.system(async (m) => {
      let tenantId = input.invitationToken ? await this.tenancy.redeemInvitation(m, input.invitationToken, user) : null;
      if (!tenantId) tenantId = await this.pickTenant(m, user.id, input.tenantId ?? null);
      const tenant = tenantId ? await m.findOneBy(Tenant, { id: tenantId }) : null;
      return { ...(await this.sessions.open(m, user.id, tenantId)), user, tenant };
    });
  }

  private async pickTenant(m: EntityManager, userId: string, requested: string | null): Promise<string | null> {
    const memberships = await m.find(Membership, { where: { userId }, order: { createdAt: 'ASC' } });
    if (!requested) return memberships[0]?.tenantId ?? null;
    const id = parseGlobalId(requested)?.id;
    const found = memberships.find((ms) => ms.tenantId === id);
    if (!found) throw new AppError('NOT_FOUND', 'tenant not found', { field: 'tenantId' });
    return found.tenantId;
  }

  /** Rotates a refresh token (see SessionService.refresh) and describes the session's user and tenant. */
  async refreshSession(refreshToken: string): Promise<AuthResult> {
    const tokens = await this.sessions.refresh(refreshToken);
    return this.db.system(async (m) => ({
      ...tokens,
      user: await m.findOneByOrFail(User, { id: tokens.userId }),
      tenant: tokens.tenantId ? await m.findOneBy(Tenant, { id: tokens.tenantId }) : null,
    }));
  }

  private checkPassword(problems: Problems, password: string): void {
    if (password.length < MIN_PASSWORD_LENGTH) problems.add('password', `password must be at least ${MIN_PASSWORD_LENGTH} characters`, 'PASSWORD_TOO_SHORT');
    if (password.length > MAX_PASSWORD_LENGTH) problems.add('password', `password must be at most ${MAX_PASSWORD_LENGTH} characters`, 'PASSWORD_TOO_LONG');
  }

  /**
   * Turns `Authorization: Bearer …` (and `X-Tenant-Id`) into a Principal without touching the
   * database for user tokens: the membership is checked later, together with the rate limit
   * (`confirmMembership`). API keys are looked up here. A bad credential is UNAUTHENTICATED.
   */
  async identify(bearer: string, requestedTenant: string | undefined): Promise<Principal> {
    if (looksLikeApiKey(bearer)) {
      const principal = await this.apiKeys.authenticate(bearer);
      if (requestedTenant && parseGlobalId(requestedTenant)?.id !== principal.tenantId && requestedTenant !== principal.tenantId) {
        throw new AppError('NOT_FOUND', 'X-Tenant-Id names no tenant of this API key');
      }
      return principal;
    }
    const claims = this.sessions.verifyAccessToken(bearer);
    const tenantId = requestedTenant ? (parseGlobalId(requestedTenant)?.id ?? requestedTenant.toLowerCase()) : claims.tenantId;
    if (!tenantId) throw new AppError('UNAUTHENTICATED', 'this account belongs to no tenant: accept an invitation or pass X-Tenant-Id');
    if (!UUID.test(tenantId)) throw new AppError('NOT_FOUND', 'X-Tenant-Id names no tenant of yours');
    return {
      kind: 'user',
      tenantId,
      userId: claims.userId,
      apiKeyId: null,
      role: null,
      scopes: new Set(),
      membershipUnchecked: true,
      tenantFromHeader: Boolean(requestedTenant),
    };
  }

  /**
   * Completes a user principal with the role found for it (null: not a member), or throws:
   * NOT_FOUND for an X-Tenant-Id the user does not belong to, UNAUTHENTICATED when the session's
   * own tenant dropped them.
   */
  confirmMembership(principal: Principal, role: Role | null): Principal {
    if (!principal.membershipUnchecked) return principal;
    if (!role) {
      if (principal.tenantFromHeader) throw new AppError('NOT_FOUND', 'X-Tenant-Id names no tenant of yours', { extensions: { http: { status: 404 } } });
      throw new AppError('UNAUTHENTICATED', 'you are no longer a member of this tenant: log in again');
    }
    return { ...principal, role, scopes: new Set(scopesOfRole(role)), membershipUnchecked: false };
  }

  /** identify() and the membership check in one go, for transports without the request plugin (websockets). */
  async authenticate(bearer: string, requestedTenant: string | undefined): Promise<Principal> {
    const principal = await this.identify(bearer, requestedTenant);
    if (!principal.membershipUnchecked) return principal;
    const rows: { role: Role }[] = await this.db.dataSource.query(`SELECT role FROM memberships WHERE user_id = $1 AND tenant_id = $2`, [principal.userId, principal.tenantId]);
    return this.confirmMembership(principal, rows[0]?.role ?? null);
  }
}

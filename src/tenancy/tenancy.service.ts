import { isEmail } from 'class-validator';
import crypto from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Principal } from '../auth/principal';
import { randomToken, sha256 } from '../auth/secrets';
import { User } from '../auth/user.entity';
import { AppError, notFound, Problems } from '../common/errors';
import { idOf } from '../common/global-id';
import { cursorAfter, Page, PageArgs, pageOf, paginate } from '../common/relay';
import { Database, preparedQuery } from '../db/database';
import { Invitation } from './invitation.entity';
import { Membership, Role } from './membership.entity';
import { Tenant } from './tenant.entity';

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export function checkEmail(problems: Problems, email: string, field = 'email'): void {
  if (!isEmail(email.trim()) || email.length > 254) problems.add(field, `"${email.slice(0, 100)}" is not an email address`, 'INVALID_EMAIL');
}

export function checkTenantName(problems: Problems, name: string | null | undefined, field = 'tenantName'): void {
  const n = (name ?? '').trim();
  if (n.length < 1 || n.length > 100) problems.add(field, `${field} must be 1 to 100 characters`);
}

function slugify(name: string): string {
  const base = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'tenant';
  return `${base}-${crypto.randomBytes(3).toString('hex')}`;
}

export interface InviteMemberInput {
  email: string;
  role: Role;
}

/**
 * Tenants, memberships and invitations, and the rules that bind them: only owners make owners,
 * and a tenant always keeps at least one OWNER.
 */
export class TenancyService {
  constructor(private readonly db: Database, private readonly invitationTtlSeconds: number) {}

  /** A signed-in user joins the tenant of an invitation sent to their email. */
  async acceptInvitation(caller: Principal, token: string): Promise<Tenant> {
    const userId = caller.userId;
    if (!userId) throw new AppError('FORBIDDEN', 'only a signed-in user can accept an invitation');
    return this.db.system(async (m) => {
      const user = await m.findOneByOrFail(User, { id: userId });
      const tenantId = await this.redeemInvitation(m, token, user, 'token');
      return m.findOneByOrFail(Tenant, { id: tenantId });
    });
  }

  /** Creates a tenant with `ownerId` as its OWNER. Runs in a system transaction (no tenant yet). */
  async createTenant(m: EntityManager, name: string, ownerId: string): Promise<Tenant> {
    const tenant = m.create(Tenant, { name: name.trim(), slug: slugify(name) });
    await m.save(tenant);
    await m.insert(Membership, { tenantId: tenant.id, userId: ownerId, role: Role.OWNER });
    return tenant;
  }

  /**
   * Redeems an invitation for `user` in a system transaction: single use, before it expires, and
   * only by the invited email. Returns the tenant joined.
   */
  async redeemInvitation(m: EntityManager, token: string, user: Pick<User, 'id' | 'email'>, field = 'invitationToken'): Promise<string> {
    const invitation = await m
      .createQueryBuilder(Invitation, 'i')
      .setLock('pessimistic_write')
      .where('i.token_hash = :h', { h: sha256(token) })
      .getOne();
    if (!invitation) throw new AppError('NOT_FOUND', 'invitation not found', { field });
    if (invitation.acceptedAt) throw new AppError('CONFLICT', 'invitation has already been used', { field });
    if (invitation.expiresAt.getTime() <= Date.now()) throw new AppError('BAD_USER_INPUT', 'invitation has expired: ask for a new one', { field });
    if (invitation.email !== user.email) throw new AppError('BAD_USER_INPUT', `invitation was sent to another email address`, { field });
    const existing = await m.findOneBy(Membership, { tenantId: invitation.tenantId, userId: user.id });
    if (existing) throw new AppError('CONFLICT', 'you are already a member of this tenant', { field });
    await m.insert(Membership, { tenantId: invitation.tenantId, userId: user.id, role: invitation.role });
    await m.update(Invitation, { id: invitation.id }, { acceptedAt: new Date(), acceptedBy: user.id });
    return invitation.tenantId;
  }

  /** Creates an invitation; returns it with its token, shown once. Only an OWNER may invite an OWNER. */
  async inviteMember(m: EntityManager, caller: Principal, input: InviteMemberInput): Promise<{ invitation: Invitation; token: string }> {
    const problems = new Problems();
    checkEmail(problems, input.email);
    if (input.role === Role.OWNER && caller.role !== Role.OWNER) problems.add('role', 'only an OWNER can invite an OWNER', 'FORBIDDEN_ROLE');
    problems.throwIfAny();
    const token = `tfi_${randomToken()}`;
    const invitation = m.create(Invitation, {
      tenantId: caller.tenantId,
      email: normaliseEmail(input.email),
      role: input.role,
      tokenHash: sha256(token),
      invitedBy: caller.userId,
      expiresAt: new Date(Date.now() + this.invitationTtlSeconds * 1000),
      acceptedAt: null,
      acceptedBy: null,
    });
    await m.save(invitation);
    return { invitation, token };
  }

  /** Changes a member's role, keeping at least one OWNER; only an OWNER grants or takes OWNER. */
  async updateMemberRole(m: EntityManager, caller: Principal, membershipId: string, role: Role): Promise<Membership> {
    const membership = await this.lockMembership(m, membershipId);
    if (membership.role === role) return membership;
    if ((role === Role.OWNER || membership.role === Role.OWNER) && caller.role !== Role.OWNER) {
      throw new AppError('BAD_USER_INPUT', 'only an OWNER can grant or take the OWNER role', { field: 'role' });
    }
    if (membership.role === Role.OWNER) await this.keepAnOwner(m, membership, 'demoted');
    membership.role = role;
    await m.update(Membership, { id: membership.id }, { role });
    return membership;
  }

  /** Removes a member (or lets a member leave), keeping at least one OWNER. */
  async removeMember(m: EntityManager, caller: Principal, membershipId: string): Promise<Membership> {
    const membership = await this.lockMembership(m, membershipId);
    const leaving = membership.userId === caller.userId;
    if (!leaving && !caller.scopes.has('admin')) throw new AppError('FORBIDDEN', 'removing another member needs the admin scope');
    if (membership.role === Role.OWNER && !leaving && caller.role !== Role.OWNER) {
      throw new AppError('BAD_USER_INPUT', 'only an OWNER can remove an OWNER', { field: 'id' });
    }
    if (membership.role === Role.OWNER) await this.keepAnOwner(m, membership, 'removed');
    await m.delete(Membership, { id: membership.id });
    return membership;
  }

  private async lockMembership(m: EntityManager, globalId: string): Promise<Membership> {
    const id = idOf('Membership', globalId);
    const [membership] = await m
      .createQueryBuilder(Membership, 'ms')
      .setLock('pessimistic_write')
      .where('ms.id = :id AND ms.tenant_id = app_tenant_id()', { id })
      .getMany();
    if (!membership) throw notFound('Membership');
    return membership;
  }

  /** Locks the tenant's owners so two concurrent demotions cannot both pass the check. */
  private async keepAnOwner(m: EntityManager, membership: Membership, verb: string): Promise<void> {
    const owners = await m
      .createQueryBuilder(Membership, 'ms')
      .setLock('pessimistic_write')
      .where('ms.tenant_id = :t AND ms.role = :r', { t: membership.tenantId, r: Role.OWNER })
      .getMany();
    if (owners.length <= 1) {
      throw new AppError('CONFLICT', `the last OWNER cannot be ${verb}: make another member OWNER first`, { field: 'id' });
    }
  }

  /**
   * A page of members, each with its user joined in (the member list always shows who). Raw SQL:
   * this is the API's hottest list, and entity hydration cost more than the query.
   */
  async listMembers<T>(m: EntityManager, tenantId: string, args: PageArgs, present: (x: Membership & { user: User }) => T): Promise<Page<T>> {
    const [afterAt, afterId] = cursorAfter(args);
    const rows = await preparedQuery<{ id: string; tenant_id: string; user_id: string; role: Role; created_at: Date; email: string; user_created_at: Date }>(
      m,
      `SELECT ms.id, ms.tenant_id, ms.user_id, ms.role, ms.created_at, u.email, u.created_at AS user_created_at
         FROM memberships ms JOIN users u ON u.id = ms.user_id
        WHERE ms.tenant_id = $1 AND ($2::timestamptz IS NULL OR (ms.created_at, ms.id) > ($2::timestamptz, $3::uuid))
        ORDER BY ms.created_at, ms.id LIMIT $4`,
      [tenantId, afterAt, afterId, args.first + 1],
    );
    const members = rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      userId: r.user_id,
      role: r.role,
      createdAt: r.created_at,
      user: { id: r.user_id, email: r.email, createdAt: r.user_created_at } as User,
    }));
    return pageOf(members, args, present);
  }

  listInvitations<T>(m: EntityManager, tenantId: string, args: PageArgs, present: (x: Invitation) => T): Promise<Page<T>> {
    return paginate(m.createQueryBuilder(Invitation, 'i').where('i.tenant_id = :t', { t: tenantId }), args, present);
  }

  /** The tenants a user belongs to, oldest membership first (RLS lets a user see their own memberships). */
  async tenantsOfUser(m: EntityManager, userId: string): Promise<{ tenant: Tenant; role: Role }[]> {
    const rows = await m
      .createQueryBuilder(Membership, 'ms')
      .innerJoinAndMapOne('ms.tenant', Tenant, 't', 't.id = ms.tenant_id')
      .where('ms.user_id = :u', { u: userId })
      .orderBy('ms.created_at', 'ASC')
      .getMany();
    return rows.map((r) => ({ tenant: (r as Membership & { tenant: Tenant }).tenant, role: r.role }));
  }
}

import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { notFound } from '../common/errors';
import { UserError } from '../common/user-error.type';
import { toGlobalId } from '../common/global-id';
import { ConnectionType, Node } from '../common/relay';
import { Invitation } from './invitation.entity';
import { Membership, Role } from './membership.entity';
import { Tenant } from './tenant.entity';

registerEnumType(Role, { name: 'Role', description: 'A member\'s role in a tenant.' });

@ObjectType('Tenant', { implements: Node, description: 'An organisation: owns datasets, runs, models and keys.' })
export class TenantNode extends Node {
  rowId!: string;
  @Field() name!: string;
  @Field() slug!: string;
  @Field() plan!: string;
  @Field() createdAt!: Date;
}

@ObjectType('User', { implements: Node })
export class UserNode extends Node {
  rowId!: string;
  @Field() email!: string;
  @Field() createdAt!: Date;
}

@ObjectType('Membership', { implements: Node, description: 'A user\'s role in a tenant.' })
export class MembershipNode extends Node {
  rowId!: string;
  userId!: string;
  tenantId!: string;
  /**
   * The member: read with the membership (a members page, `node(id)`), so an edge needs no lookup
   * and no resolver call; otherwise a function that loads it, which graphql-js's default resolver
   * calls with the arguments and the context.
   */
  @Field(() => UserNode) user!: UserNode | LazyUser;
  @Field(() => Role) role!: Role;
  @Field() createdAt!: Date;
}

@ObjectType('Invitation', { implements: Node })
export class InvitationNode extends Node {
  rowId!: string;
  @Field() email!: string;
  @Field(() => Role) role!: Role;
  @Field() expiresAt!: Date;
  @Field(() => Date, { nullable: true }) acceptedAt!: Date | null;
  @Field() createdAt!: Date;
}

export const MembershipConnection = ConnectionType('Membership', MembershipNode);
export const InvitationConnection = ConnectionType('Invitation', InvitationNode);

/** A tenant known by id only (the caller's own, which exists): its scalar fields load on demand. */
export const tenantRef = (tenantId: string): TenantNode => Object.assign(new TenantNode(), { id: toGlobalId('Tenant', tenantId), rowId: tenantId });
export const presentTenant = (t: Tenant): TenantNode =>
  Object.assign(new TenantNode(), { id: toGlobalId('Tenant', t.id), rowId: t.id, name: t.name, slug: t.slug, plan: t.plan, createdAt: t.createdAt });
export const presentUser = (u: { id: string; email: string; createdAt: Date }): UserNode =>
  Object.assign(new UserNode(), { id: toGlobalId('User', u.id), rowId: u.id, email: u.email, createdAt: u.createdAt });
/** Loads a membership's user on demand, through the request's user loader. */
type LazyUser = (args: unknown, ctx: { loaders: { user: { load(id: string): Promise<{ id: string; email: string; createdAt: Date } | null> } } }) => Promise<UserNode>;
const lazyUser = (userId: string): LazyUser => async (_args, ctx) => {
  const user = await ctx.loaders.user.load(userId);
  if (!user) throw notFound('User');
  return presentUser(user);
};
/** A membership, with its user when it was read with it. */
export const presentMembership = (m: Membership, user?: { id: string; email: string; createdAt: Date }): MembershipNode =>
  Object.assign(new MembershipNode(), {
    id: toGlobalId('Membership', m.id), rowId: m.id, userId: m.userId, tenantId: m.tenantId, role: m.role, createdAt: m.createdAt,
    user: user ? presentUser(user) : lazyUser(m.userId),
  });
export const presentInvitation = (i: Invitation): InvitationNode =>
  Object.assign(new InvitationNode(), { id: toGlobalId('Invitation', i.id), rowId: i.id, email: i.email, role: i.role, expiresAt: i.expiresAt, acceptedAt: i.acceptedAt, createdAt: i.createdAt });

@InputType()
export class InviteMemberInput {
  @Field() email!: string;
  @Field(() => Role, { defaultValue: Role.MEMBER }) role!: Role;
}

@ObjectType()
export class InviteMemberPayload {
  @Field(() => InvitationNode, { nullable: true }) invitation!: InvitationNode | null;
  @Field(() => String, { nullable: true, description: 'The invitation token, shown once: send it to the invitee.' }) token!: string | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@InputType()
export class UpdateMemberRoleInput {
  @Field(() => ID, { description: 'The Membership to change.' }) membershipId!: string;
  @Field(() => Role) role!: Role;
}

@ObjectType()
export class MembershipPayload {
  @Field(() => MembershipNode, { nullable: true }) membership!: MembershipNode | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class AcceptInvitationPayload {
  @Field(() => TenantNode, { nullable: true }) tenant!: TenantNode | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { toGlobalId } from '../common/global-id';
import { ConnectionType, Node } from '../common/relay';
import { UserError } from '../common/user-error.type';
import { TenantNode, UserNode } from '../tenancy/tenancy.types';
import { ApiKey } from './api-key.entity';

@InputType()
export class SignUpInput {
  @Field() email!: string;
  @Field() password!: string;
  @Field(() => String, { nullable: true, description: 'Name of the new tenant; omit when redeeming an invitation.' }) tenantName?: string | null;
  @Field(() => String, { nullable: true, description: 'Join the inviting tenant instead of creating one.' }) invitationToken?: string | null;
}

@InputType()
export class LogInInput {
  @Field() email!: string;
  @Field() password!: string;
  @Field(() => ID, { nullable: true, description: 'Open the session for this tenant (default: the oldest membership).' }) tenantId?: string | null;
  @Field(() => String, { nullable: true, description: 'Redeem an invitation while logging in.' }) invitationToken?: string | null;
}

@ObjectType()
export class AuthPayload {
  @Field(() => String, { nullable: true, description: 'Access token (JWT) for `Authorization: Bearer`.' }) token!: string | null;
  @Field(() => String, { nullable: true, description: 'Single-use refresh token; reusing one revokes the session.' }) refreshToken!: string | null;
  @Field(() => Date, { nullable: true, description: 'When the access token expires.' }) expiresAt!: Date | null;
  @Field(() => UserNode, { nullable: true }) user!: UserNode | null;
  @Field(() => TenantNode, { nullable: true }) tenant!: TenantNode | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class LogOutPayload {
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType('ApiKey', { implements: Node, description: 'A secret for apps, scoped to one tenant. The secret itself is shown only once, at creation.' })
export class ApiKeyNode extends Node {
  rowId!: string;
  createdById!: string | null;
  @Field() name!: string;
  @Field({ description: 'Recognisable part of the secret (`tfk_<prefix>_…`).' }) prefix!: string;
  @Field(() => [String]) scopes!: string[];
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
  @Field() createdAt!: Date;
}

export const ApiKeyConnection = ConnectionType('ApiKey', ApiKeyNode);

export const presentApiKey = (k: ApiKey): ApiKeyNode =>
  Object.assign(new ApiKeyNode(), {
    id: toGlobalId('ApiKey', k.id),
    rowId: k.id,
    createdById: k.createdBy,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    lastUsedAt: k.lastUsedAt,
    revokedAt: k.revokedAt,
    createdAt: k.createdAt,
  });

@InputType()
export class CreateApiKeyInput {
  @Field() name!: string;
  @Field(() => [String], { description: 'datasets:read, datasets:write, runs:read, runs:write, models:read, models:write, models:invoke, billing:read, billing:write, admin' }) scopes!: string[];
}

@ObjectType()
export class CreateApiKeyPayload {
  @Field(() => ApiKeyNode, { nullable: true }) apiKey!: ApiKeyNode | null;
  @Field(() => String, { nullable: true, description: 'The secret, shown only in this response.' }) secret!: string | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class RevokeApiKeyPayload {
  @Field(() => ApiKeyNode, { nullable: true }) apiKey!: ApiKeyNode | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

import { Role } from '../tenancy/membership.entity';

/** Every scope an API key can hold. Users get theirs from their role. */
export const SCOPES = [
  'datasets:read',
  'datasets:write',
  'runs:read',
  'runs:write',
  'models:read',
  'models:write',
  'models:invoke',
  'billing:read',
  'billing:write',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

const READ: Scope[] = ['datasets:read', 'runs:read', 'models:read', 'billing:read'];
const WORK: Scope[] = [...READ, 'datasets:write', 'runs:write', 'models:write', 'models:invoke'];

const BY_ROLE: Record<Role, readonly Scope[]> = {
  [Role.OWNER]: SCOPES,
  [Role.ADMIN]: SCOPES,
  [Role.MEMBER]: WORK,
  [Role.VIEWER]: [...READ, 'models:invoke'],
};

export const scopesOfRole = (role: Role): readonly Scope[] => BY_ROLE[role];
export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

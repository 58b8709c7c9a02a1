import type { Role } from '../../gql/graphql';

export const ROLES: { role: Role; label: string }[] = [
  { role: 'OWNER', label: 'Owner' },
  { role: 'ADMIN', label: 'Admin' },
  { role: 'MEMBER', label: 'Member' },
  { role: 'VIEWER', label: 'Viewer' },
];

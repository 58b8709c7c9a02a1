import { Role } from '../tenancy/membership.entity';
import { Scope } from './scopes';

/** Who is calling, for which tenant, allowed to do what. Built once per request by the bearer strategy. */
export interface Principal {
  kind: 'user' | 'apiKey';
  tenantId: string;
  /** The user behind a user token; for an API key, null. */
  userId: string | null;
  apiKeyId: string | null;
  /** The user's role in the tenant; null for API keys. */
  role: Role | null;
  scopes: ReadonlySet<Scope>;
  /**
   * A user token names a tenant but proves no membership: until the request plugin has checked
   * it (in the same statement as the rate limit), role and scopes are empty and this is true.
   */
  membershipUnchecked?: boolean;
  /** The tenant came from X-Tenant-Id (a failed check is then NOT_FOUND, not UNAUTHENTICATED). */
  tenantFromHeader?: boolean;
}

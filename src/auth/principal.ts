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
}

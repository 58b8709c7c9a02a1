import { ApiKeyService } from '../auth/api-key.service';
import { AuthService } from '../auth/auth.service';
import { SessionService } from '../auth/session.service';
import { Config } from '../config';
import { Database } from '../db/database';
import { TenancyService } from '../tenancy/tenancy.service';
import { RateLimiter } from './rate-limit';

/** The services of one API process, built once at start-up and shared by every request. */
export interface Services {
  db: Database;
  sessions: SessionService;
  apiKeys: ApiKeyService;
  tenancy: TenancyService;
  auth: AuthService;
  rateLimiter: RateLimiter;
}

export function createServices(db: Database, config: Config, jwtSecret: string): Services {
  const sessions = new SessionService(db, {
    jwtSecret,
    accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
  });
  const apiKeys = new ApiKeyService(db);
  const tenancy = new TenancyService(db, config.INVITATION_TTL_SECONDS);
  const auth = new AuthService(db, sessions, apiKeys, tenancy);
  const rateLimiter = new RateLimiter(db, { capacity: config.RATE_LIMIT_CAPACITY, restoreRate: config.RATE_LIMIT_RESTORE_RATE });
  return { db, sessions, apiKeys, tenancy, auth, rateLimiter };
}

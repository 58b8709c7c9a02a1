import { ApiKeyService } from '../auth/api-key.service';
import { AuthService } from '../auth/auth.service';
import { SessionService } from '../auth/session.service';
import { Config } from '../config';
import { Database } from '../db/database';
import { TenancyService } from '../tenancy/tenancy.service';
import { DatasetService } from '../datasets/dataset.service';
import { BlobStore } from '../storage/blob-store';
import { Logger } from 'pino';
import { RateLimiter } from './rate-limit';

/** The services of one API process, built once at start-up and shared by every request. */
export interface Services {
  db: Database;
  sessions: SessionService;
  apiKeys: ApiKeyService;
  tenancy: TenancyService;
  auth: AuthService;
  rateLimiter: RateLimiter;
  blobs: BlobStore;
  datasets: DatasetService;
}

export function createServices(db: Database, config: Config, deps: { jwtSecret: string; blobs: BlobStore; log: Logger }): Services {
  const { jwtSecret, blobs, log } = deps;
  const sessions = new SessionService(db, {
    jwtSecret,
    accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
  });
  const apiKeys = new ApiKeyService(db);
  const tenancy = new TenancyService(db, config.INVITATION_TTL_SECONDS);
  const auth = new AuthService(db, sessions, apiKeys, tenancy);
  const rateLimiter = new RateLimiter(db, { capacity: config.RATE_LIMIT_CAPACITY, restoreRate: config.RATE_LIMIT_RESTORE_RATE });
  const datasets = new DatasetService(db, blobs, {
    maxFileBytes: config.DATASET_MAX_FILE_BYTES,
    maxTotalBytes: config.DATASET_MAX_TOTAL_BYTES,
    maxDatasets: config.DATASET_MAX_COUNT,
    uploadTtlSeconds: config.UPLOAD_URL_TTL_SECONDS,
  }, log);
  return { db, sessions, apiKeys, tenancy, auth, rateLimiter, blobs, datasets };
}

import { LRUCache } from 'lru-cache';
import { EntityManager } from 'typeorm';
import { AppError, notFound, Problems } from '../common/errors';
import { idOf } from '../common/global-id';
import { Page, PageArgs, paginate } from '../common/relay';
import { Database } from '../db/database';
import { Invalidations } from '../db/invalidations';
import { ApiKey } from './api-key.entity';
import { Principal } from './principal';
import { isScope, Scope, SCOPES } from './scopes';
import { randomToken, safeEqualHex, sha256 } from './secrets';

/** Secrets look like `tfk_<12 chars>_<43 chars>`: recognisable by log redaction and secret scanners. */
const KEY_PATTERN = /^tfk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_RESOLUTION_MS = 60_000;

export const looksLikeApiKey = (token: string): boolean => token.startsWith('tfk_');

export interface CreateApiKeyInput {
  name: string;
  scopes: string[];
}

interface CachedKey {
  principal: Principal;
  /** When this process last wrote `last_used_at` (ms since the epoch). */
  lastUsedWritten: number;
}

/** API keys: created shown-once, stored hashed, scoped, revocable. */
export class ApiKeyService {
  /** Valid keys by secret hash: an app's steady stream of calls costs no lookup round trip each. */
  private readonly cache: LRUCache<string, CachedKey> | null;
  private readonly invalidations: Invalidations | undefined;

  constructor(
    private readonly db: Database,
    options: { cacheMs?: number; invalidations?: Invalidations } = {},
  ) {
    const { invalidations } = options;
    this.invalidations = invalidations;
    this.cache = options.cacheMs ? new LRUCache({ max: 10_000, ttl: options.cacheMs }) : null;
    invalidations?.on('api-keys', (keyId) => {
      if (keyId === null) return this.cache?.clear();
      for (const [hash, entry] of this.cache?.entries() ?? []) if (entry.principal.apiKeyId === keyId) this.cache?.delete(hash);
    });
  }

  /**
   * Creates a key for the caller's tenant. The caller needs `admin` and cannot grant a scope it
   * does not hold itself. Returns the row and the secret, which is never retrievable again.
   */
  async createApiKey(m: EntityManager, caller: Principal, input: CreateApiKeyInput): Promise<{ apiKey: ApiKey; secret: string }> {
    const problems = new Problems();
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) problems.add('name', 'name must be 1 to 100 characters');
    if (input.scopes.length === 0) problems.add('scopes', `scopes must list at least one of: ${SCOPES.join(', ')}`);
    input.scopes.forEach((s, i) => {
      if (!isScope(s)) problems.add(['scopes', String(i)], `unknown scope "${s}"; known scopes: ${SCOPES.join(', ')}`, 'UNKNOWN_SCOPE');
      else if (!caller.scopes.has(s)) problems.add(['scopes', String(i)], `you cannot grant "${s}", which you do not hold`, 'SCOPE_NOT_HELD');
    });
    problems.throwIfAny();

    const prefix = randomToken(12).replace(/[^A-Za-z0-9]/g, '').slice(0, 12).padEnd(12, '0');
    const secret = `tfk_${prefix}_${randomToken(32)}`;
    const apiKey = m.create(ApiKey, {
      tenantId: caller.tenantId,
      name,
      prefix,
      secretHash: sha256(secret),
      scopes: [...new Set(input.scopes)],
      createdBy: caller.userId,
    });
    await m.save(apiKey);
    return { apiKey, secret };
  }

  /** Revokes a key of the caller's tenant. Idempotent; a foreign or unknown id is NOT_FOUND. */
  async revokeApiKey(m: EntityManager, globalId: string): Promise<ApiKey> {
    const apiKey = await m.findOneBy(ApiKey, { id: idOf('ApiKey', globalId) });
    if (!apiKey) throw notFound('API key');
    if (!apiKey.revokedAt) {
      apiKey.revokedAt = new Date();
      await m.update(ApiKey, { id: apiKey.id }, { revokedAt: apiKey.revokedAt });
      // Every replica stops accepting it now, not when its cached copy expires.
      await this.invalidations?.publish(m, 'api-keys', apiKey.id);
    }
    return apiKey;
  }

  listApiKeys<T>(m: EntityManager, args: PageArgs, present: (k: ApiKey) => T): Promise<Page<T>> {
    return paginate(m.createQueryBuilder(ApiKey, 'k'), args, present);
  }

  /**
   * Resolves a bearer secret to a principal. Unknown, malformed and revoked keys all fail with
   * UNAUTHENTICATED. `lastUsedAt` is refreshed at most once a minute per key. A valid key is
   * remembered (by its hash) for the cache's time-to-live; revoking it drops it everywhere at once.
   */
  async authenticate(secret: string): Promise<Principal> {
    const match = KEY_PATTERN.exec(secret);
    if (!match) throw new AppError('UNAUTHENTICATED', 'API key is malformed');
    const hash = sha256(secret);
    const cached = this.cache?.get(hash);
    if (cached) {
      if (Date.now() - cached.lastUsedWritten > LAST_USED_RESOLUTION_MS) {
        cached.lastUsedWritten = Date.now();
        // Not awaited: bookkeeping must not slow the call down or fail it.
        this.db.dataSource.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [cached.principal.apiKeyId]).catch(() => undefined);
      }
      return cached.principal;
    }
    const row = await this.db.dataSource
      .createQueryBuilder(ApiKey, 'k')
      .addSelect('k.secretHash')
      .where('k.prefix = :p', { p: match[1] })
      .getOne();
    if (!row || !safeEqualHex(row.secretHash, hash)) throw new AppError('UNAUTHENTICATED', 'API key is invalid');
    if (row.revokedAt) throw new AppError('UNAUTHENTICATED', 'API key has been revoked');
    let lastUsedWritten = row.lastUsedAt?.getTime() ?? 0;
    if (Date.now() - lastUsedWritten > LAST_USED_RESOLUTION_MS) {
      await this.db.dataSource.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [row.id]);
      lastUsedWritten = Date.now();
    }
    const principal = Object.freeze<Principal>({
      kind: 'apiKey',
      tenantId: row.tenantId,
      userId: null,
      apiKeyId: row.id,
      role: null,
      scopes: new Set(row.scopes.filter(isScope) as Scope[]),
    });
    this.cache?.set(hash, { principal, lastUsedWritten });
    return principal;
  }
}

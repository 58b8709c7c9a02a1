import OpenAI from 'openai';
import { EntityManager } from 'typeorm';
import { AppError } from '../../common/errors';
import { ProviderCredential } from './provider-credential.entity';
import { SecretBox } from './secret-box';

export interface OpenAiSettings {
  /** The platform's key (OPENAI_API_KEY), for tenants without their own. */
  platformKey: string | null;
  baseUrl: string | null;
  maxRetries: number;
  timeoutSeconds: number;
}

export type KeySource = 'TENANT' | 'PLATFORM' | 'NONE';

export interface KeyStatus {
  source: KeySource;
  /** Last 4 characters of the tenant's key; never more. */
  last4: string | null;
  updatedAt: Date | null;
}

/**
 * OpenAI clients per tenant and the tenant's key. The key is write-only: it is sealed before it
 * is stored, read back only to build a client, and no method returns it. The SDK retries 429 and
 * 5xx answers itself (exponential backoff with jitter, honouring `retry-after`/`retry-after-ms`).
 */
export class OpenAiClients {
  constructor(private readonly box: SecretBox, private readonly settings: OpenAiSettings) {}

  /** Stores (or with null, removes) the tenant's key, sealed with the server key. */
  async setKey(m: EntityManager, tenantId: string, userId: string | null, apiKey: string | null): Promise<KeyStatus> {
    if (apiKey === null) {
      await m.delete(ProviderCredential, { tenantId, provider: 'openai' });
      return this.keyStatus(m, tenantId);
    }
    const key = apiKey.trim();
    if (key.length < 8 || key.length > 500 || /\s/.test(key)) throw new AppError('BAD_USER_INPUT', 'apiKey must be 8 to 500 characters without spaces', { field: ['input', 'apiKey'] });
    await m.query(
      `INSERT INTO provider_credentials (tenant_id, provider, ciphertext, last4, updated_by, updated_at) VALUES ($1, 'openai', $2, $3, $4, now())
       ON CONFLICT (tenant_id, provider) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, last4 = EXCLUDED.last4, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
      [tenantId, this.box.seal(key, tenantId), key.slice(-4), userId],
    );
    return this.keyStatus(m, tenantId);
  }

  async keyStatus(m: EntityManager, tenantId: string): Promise<KeyStatus> {
    const own = await m.findOneBy(ProviderCredential, { tenantId, provider: 'openai' });
    if (own) return { source: 'TENANT', last4: own.last4, updatedAt: own.updatedAt };
    return { source: this.settings.platformKey ? 'PLATFORM' : 'NONE', last4: null, updatedAt: null };
  }

  /** A client with the tenant's key, else the platform's; NOT_CONFIGURED when there is neither. */
  async forTenant(m: EntityManager, tenantId: string): Promise<OpenAI> {
    const [row]: { ciphertext: string }[] = await m.query(`SELECT ciphertext FROM provider_credentials WHERE tenant_id = $1 AND provider = 'openai'`, [tenantId]);
    const apiKey = row ? this.box.open(row.ciphertext, tenantId) : this.settings.platformKey;
    if (!apiKey) {
      throw new AppError('BAD_USER_INPUT', 'no OpenAI API key: an admin sets one with setOpenAiApiKey (or the platform sets OPENAI_API_KEY)', {
        problems: [{ field: ['input', 'model'], message: 'no OpenAI API key: an admin sets one with setOpenAiApiKey (or the platform sets OPENAI_API_KEY)', code: 'OPENAI_NOT_CONFIGURED' }],
      });
    }
    return new OpenAI({
      apiKey,
      baseURL: this.settings.baseUrl ?? undefined,
      maxRetries: this.settings.maxRetries,
      timeout: this.settings.timeoutSeconds * 1000,
      // The SDK's own logging stays off: nothing it prints can carry a key or a tenant's text.
      logLevel: 'off',
    });
  }
}

import crypto from 'node:crypto';

/**
 * Secrets at rest (tenants' provider API keys): AES-256-GCM with a 256-bit key derived from the
 * server's SECRETS_KEY (or, in development, the JWT secret) by HKDF, a fresh 96-bit IV per
 * value and the tenant ID as associated data, so a ciphertext copied to another tenant's row
 * does not decrypt. Stored as `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(serverSecret: string) {
    if (serverSecret.length < 32) throw new Error('the secrets key must be at least 32 characters');
    this.key = Buffer.from(crypto.hkdfSync('sha256', serverSecret, 'tuneforge', 'provider-credentials/v1', 32));
  }

  seal(plaintext: string, context: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Throws when the value was not sealed with this key and context (tampered, moved, or the key changed). */
  open(sealed: string, context: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

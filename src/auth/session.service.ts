import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { EntityManager } from 'typeorm';
import { AppError } from '../common/errors';
import { Database } from '../db/database';
import { RefreshToken } from './refresh-token.entity';
import { randomToken, sha256 } from './secrets';

export interface SessionTokens {
  token: string;
  refreshToken: string;
  expiresAt: Date;
}

export interface AccessClaims {
  userId: string;
  /** The tenant the session was opened for; `X-Tenant-Id` may pick another of the user's tenants. */
  tenantId: string | null;
}

export interface SessionSettings {
  jwtSecret: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
}

const ISSUER = 'tuneforge';
const AUDIENCE = 'tuneforge-api';

/**
 * Short-lived JWT access tokens and rotating refresh tokens.
 * Each refresh token is single-use; presenting one that was already used revokes its family
 * (every token descended from the same log-in), since only a thief would still hold it.
 */
export class SessionService {
  /** Built once: jsonwebtoken would otherwise turn the string into a KeyObject on every verify. */
  private readonly key: crypto.KeyObject;

  constructor(private readonly db: Database, private readonly settings: SessionSettings) {
    this.key = crypto.createSecretKey(Buffer.from(settings.jwtSecret, 'utf8'));
  }

  /** Opens a new session family for a user (after sign-up or log-in). */
  open(m: EntityManager, userId: string, tenantId: string | null): Promise<SessionTokens> {
    return this.issue(m, userId, tenantId, crypto.randomUUID());
  }

  private async issue(m: EntityManager, userId: string, tenantId: string | null, familyId: string): Promise<SessionTokens> {
    const refreshToken = `tfr_${randomToken()}`;
    await m.insert(RefreshToken, {
      userId,
      tenantId,
      familyId,
      tokenHash: sha256(refreshToken),
      expiresAt: new Date(Date.now() + this.settings.refreshTtlSeconds * 1000),
    });
    const expiresAt = new Date(Date.now() + this.settings.accessTtlSeconds * 1000);
    const token = jwt.sign({ tid: tenantId ?? undefined }, this.key, {
      algorithm: 'HS256',
      subject: userId,
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: this.settings.accessTtlSeconds,
      jwtid: crypto.randomUUID(),
    });
    return { token, refreshToken, expiresAt };
  }

  /**
   * Exchanges a refresh token for a new pair. Reuse of a rotated token revokes the family and
   * fails; an unknown, expired or revoked token fails with UNAUTHENTICATED.
   */
  async refresh(refreshToken: string): Promise<SessionTokens & { userId: string; tenantId: string | null }> {
    const outcome = await this.db.system(async (m) => {
      const row = await m
        .createQueryBuilder(RefreshToken, 'r')
        .setLock('pessimistic_write')
        .where('r.token_hash = :h', { h: sha256(refreshToken) })
        .getOne();
      if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now()) return { error: 'refresh token is invalid or expired' } as const;
      if (row.usedAt) {
        await m.update(RefreshToken, { familyId: row.familyId }, { revokedAt: () => 'now()' });
        return { error: 'refresh token was already used: the session has been revoked, log in again' } as const;
      }
      await m.update(RefreshToken, { id: row.id }, { usedAt: () => 'now()' });
      const tokens = await this.issue(m, row.userId, row.tenantId, row.familyId);
      return { tokens: { ...tokens, userId: row.userId, tenantId: row.tenantId } } as const;
    });
    // The family revocation above must commit, so the error is raised after the transaction.
    if ('error' in outcome) throw new AppError('UNAUTHENTICATED', outcome.error ?? 'invalid refresh token', { field: 'refreshToken' });
    return outcome.tokens;
  }

  /** Ends the session the refresh token belongs to. Unknown tokens are ignored (idempotent). */
  async revoke(refreshToken: string): Promise<void> {
    await this.db.system(async (m) => {
      const row = await m.findOneBy(RefreshToken, { tokenHash: sha256(refreshToken) });
      if (row) await m.update(RefreshToken, { familyId: row.familyId }, { revokedAt: () => 'now()' });
    });
  }

  /** Verifies an access token; throws UNAUTHENTICATED saying whether it expired or is invalid. */
  verifyAccessToken(token: string): AccessClaims {
    try {
      const claims = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }) as jwt.JwtPayload;
      if (typeof claims.sub !== 'string') throw new jwt.JsonWebTokenError('no subject');
      return { userId: claims.sub, tenantId: typeof claims.tid === 'string' ? claims.tid : null };
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new AppError('UNAUTHENTICATED', 'access token expired: refresh the session');
      throw new AppError('UNAUTHENTICATED', 'access token is invalid');
    }
  }
}

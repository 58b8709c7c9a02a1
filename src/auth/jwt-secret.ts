import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Config } from '../config';

/**
 * JWT_SECRET when configured; otherwise (development only, enforced by config) a secret generated
 * once and kept in DATA_DIR, so tokens survive restarts of a local server.
 */
export function resolveJwtSecret(config: Config): string {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  const file = path.join(config.DATA_DIR, 'jwt-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(config.DATA_DIR, { recursive: true });
  const secret = crypto.randomBytes(48).toString('base64url');
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

import express, { Router } from 'express';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The page holds a session token, so it runs only its own scripts and cannot be framed. Uploads
 * go to the URL the API returns (its PUBLIC_URL), hence any http(s) origin for connections.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss: http: https:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Where `npm run console:build` writes the console: dist/console, seen from src/server or dist/src/server. */
export function consoleDir(): string | null {
  const candidates = [path.resolve(__dirname, '../../console'), path.resolve(__dirname, '../../dist/console')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? null;
}

/**
 * Serves the web console (a single-page app) at /console: hashed assets cached for good, and
 * index.html, never cached, for every other path so the app's own routes survive a reload.
 * Without a build, /console says how to make one.
 */
export function consoleRoutes(dir: string | null = consoleDir()): Router {
  const router = Router();
  if (!dir) {
    router.use((_req, res) => void res.status(404).type('text').send('The console is not built: run `npm run console:build`.\n'));
    return router;
  }
  const index = path.join(dir, 'index.html');
  router.use(
    '/assets',
    express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }),
  );
  router.use(express.static(dir, { index: false, maxAge: 0 }));
  router.get('/{*path}', (_req, res) => {
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    res.setHeader('x-content-type-options', 'nosniff');
    res.sendFile(index);
  });
  return router;
}

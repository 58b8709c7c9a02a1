import express from 'express';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { consoleRoutes } from './console-routes';

async function serve(dir: string | null): Promise<{ base: string; close: () => Promise<void> }> {
  const app = express();
  app.use('/console', consoleRoutes(dir));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('console routes', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-console-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
    fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers index.html, never cached and under a CSP, for any of the app\'s own paths', async () => {
    const s = await serve(dir);
    try {
      for (const p of ['/console', '/console/', '/console/runs/UnVuOjE=', '/console/datasets?status=READY']) {
        const res = await fetch(s.base + p);
        expect(res.status).toBe(200);
        expect(await res.text()).toContain('<title>console</title>');
        expect(res.headers.get('cache-control')).toBe('no-cache');
        expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      }
    } finally {
      await s.close();
    }
  });

  it('caches hashed assets for good and answers a missing one 404, not with the page', async () => {
    const s = await serve(dir);
    try {
      const asset = await fetch(`${s.base}/console/assets/index-abc123.js`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toContain('immutable');
      expect((await fetch(`${s.base}/console/assets/gone-000.js`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it('says how to build the console when there is no build', async () => {
    const s = await serve(null);
    try {
      const res = await fetch(`${s.base}/console/`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('npm run console:build');
    } finally {
      await s.close();
    }
  });
});

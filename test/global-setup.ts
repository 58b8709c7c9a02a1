import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/bootstrap';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';

/**
 * Once per test run: a fresh database (on DATABASE_URL's server when set, else an embedded
 * Postgres in a temp dir), migrated once. Workers find it in TUNEFORGE_TEST_DATABASE_URL.
 */
export default async function globalSetup(): Promise<void> {
  let url: string;
  if (process.env.DATABASE_URL) {
    const server = new URL(process.env.DATABASE_URL);
    const name = `tuneforge_test_${Date.now()}_${process.pid}`;
    const admin = new Client({ connectionString: server.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    server.pathname = `/${name}`;
    url = server.toString();
    (globalThis as Record<string, unknown>).__tuneforgeDrop = { admin: process.env.DATABASE_URL, name };
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneforge-test-pg-'));
    fs.chmodSync(dir, 0o755); // as root, embedded Postgres runs initdb as the postgres user
    const embedded = await startEmbeddedPostgres(path.join(dir, 'postgres'), 'tuneforge_test');
    url = embedded.url;
    (globalThis as Record<string, unknown>).__tuneforgeEmbedded = { stop: embedded.stop, dir };
  }
  const db = await openDatabase(loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent' }), pino({ level: 'silent' }), { migrate: true });
  await db.close();
  process.env.TUNEFORGE_TEST_DATABASE_URL = url;
  // One blob store for every API server of the run, as replicas share one in production.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneforge-test-data-'));
  fs.chmodSync(dataDir, 0o755);
  process.env.TUNEFORGE_TEST_DATA_DIR = dataDir;
}

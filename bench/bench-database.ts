import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';

export interface BenchDatabase {
  url: string;
  /** The embedded cluster's data directory (null on DATABASE_URL's server). */
  dataDir: string | null;
  cleanup(): Promise<void>;
}

/**
 * A fresh database for one benchmark: created on DATABASE_URL's server when set (and dropped
 * after), else an embedded Postgres in a temp folder (stopped and removed after).
 */
export async function benchDatabase(prefix: string): Promise<BenchDatabase> {
  const server = process.env.DATABASE_URL;
  if (server) {
    const name = `${prefix}_${Date.now()}`;
    const run = async (sql: string) => {
      const c = new Client({ connectionString: server });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    };
    await run(`CREATE DATABASE ${name}`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    return { url: url.toString(), dataDir: null, cleanup: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  fs.chmodSync(dir, 0o755); // as root, embedded Postgres runs initdb as the postgres user
  const pg = await startEmbeddedPostgres(path.join(dir, 'pg'), 'bench');
  return {
    url: pg.url,
    dataDir: path.join(dir, 'pg'),
    cleanup: async () => {
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

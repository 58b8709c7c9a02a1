import crypto from 'node:crypto';
import { Client } from 'pg';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/bootstrap';

/**
 * A database of its own, migrated, on the test run's server: a billing outbox reports every
 * unreported ledger row of its database, so tests with their own fake Stripe do not share one
 * (as two deployments would not).
 */
export async function isolatedDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.TUNEFORGE_TEST_DATABASE_URL;
  if (!base) throw new Error('TUNEFORGE_TEST_DATABASE_URL is unset: run tests through jest');
  const name = `tf_billing_${crypto.randomUUID().slice(0, 8)}`;
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: base });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = await openDatabase(loadConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' }), pino({ level: 'silent' }), { migrate: true });
  await db.close();
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

import path from 'node:path';
import { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Config } from '../config';
import { createDataSource } from './data-source';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface OpenDatabase {
  dataSource: DataSource;
  /** The connection string in use (embedded or DATABASE_URL), for the queue and LISTEN connections. */
  url: string;
  embedded: boolean;
  /** Closes the pool and, when embedded, stops Postgres. */
  close(): Promise<void>;
}

/**
 * Connects to DATABASE_URL, or starts an embedded Postgres under DATA_DIR/postgres when it is unset.
 * Applies pending migrations when asked (always for embedded).
 */
export async function openDatabase(config: Config, log: Logger, opts: { migrate?: boolean } = {}): Promise<OpenDatabase> {
  let url = config.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | null = null;
  if (!url) {
    const dir = path.join(config.DATA_DIR, 'postgres');
    log.info({ dir }, 'DATABASE_URL is unset: starting embedded Postgres');
    const embedded = await startEmbeddedPostgres(dir, 'tuneforge', (m) => log.debug({ postgres: m }));
    url = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const dataSource = createDataSource(url, config.DATABASE_POOL_SIZE);
  try {
    await dataSource.initialize();
    const migrate = opts.migrate ?? config.MIGRATE_ON_START ?? Boolean(stopEmbedded);
    if (migrate) {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      if (applied.length) log.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
    }
  } catch (err) {
    if (dataSource.isInitialized) await dataSource.destroy();
    if (stopEmbedded) await stopEmbedded();
    throw err;
  }
  return {
    dataSource,
    url,
    embedded: Boolean(stopEmbedded),
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      if (stopEmbedded) await stopEmbedded();
    },
  };
}

/** Ready means: the database answers and no migration is pending. */
export async function databaseReady(dataSource: DataSource): Promise<boolean> {
  await dataSource.query('SELECT 1');
  return !(await dataSource.showMigrations());
}

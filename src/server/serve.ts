import path from 'node:path';
import { Logger } from 'pino';
import { LocalBlobStore } from '../storage/blob-store';
import { resolveJwtSecret } from '../auth/jwt-secret';
import { Config } from '../config';
import { Database } from '../db/database';
import { databaseReady, OpenDatabase, openDatabase } from '../db/bootstrap';
import { RunningServer, startServer } from './app';
import { createServices, Services } from './services';

export interface Api {
  server: RunningServer;
  database: OpenDatabase;
  services: Services;
  /** Graceful stop: stop accepting, finish in-flight requests, close the pool, stop embedded Postgres. */
  stop(): Promise<void>;
}

/** Opens the database (embedded if DATABASE_URL is unset), builds the services and serves the API. */
export async function serveApi(config: Config, log: Logger): Promise<Api> {
  const database = await openDatabase(config, log);
  try {
    const blobs = new LocalBlobStore(path.join(config.DATA_DIR, 'blobs'));
    const services = createServices(new Database(database.dataSource), config, { jwtSecret: resolveJwtSecret(config), blobs, log });
    const server = await startServer(config, services, log, { ready: () => databaseReady(database.dataSource) });
    // Housekeeping (expired uploads, orphaned temporary blobs); safe on every replica.
    const sweeper = setInterval(() => services.datasets.sweep().catch((err) => log.warn({ err }, 'dataset sweep failed')), 10 * 60 * 1000);
    sweeper.unref();
    let stopping: Promise<void> | null = null;
    return {
      server,
      database,
      services,
      stop: () =>
        (stopping ??= (async () => {
          clearInterval(sweeper);
          await server.close();
          await database.close();
        })()),
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}

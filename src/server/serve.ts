import { Logger } from 'pino';
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
    const services = createServices(new Database(database.dataSource), config, resolveJwtSecret(config));
    const server = await startServer(config, services, log, { ready: () => databaseReady(database.dataSource) });
    let stopping: Promise<void> | null = null;
    return {
      server,
      database,
      services,
      stop: () =>
        (stopping ??= (async () => {
          await server.close();
          await database.close();
        })()),
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}

import { Logger } from 'pino';
import { resolveJwtSecret } from '../auth/jwt-secret';
import { Config } from '../config';
import { databaseReady, OpenDatabase, openDatabase } from '../db/bootstrap';
import { Database } from '../db/database';
import { createBlobStore } from '../storage/create-blob-store';
import { createExecutor } from '../training/executors/create-executor';
import { RunningServer, startServer } from './app';
import { createServices, Services } from './services';

export interface Api {
  server: RunningServer;
  database: OpenDatabase;
  services: Services;
  /** Graceful stop: stop accepting, finish in-flight requests, stop dispatching, close the pool, stop embedded Postgres. */
  stop(): Promise<void>;
}

/**
 * Opens the database (embedded if DATABASE_URL is unset), builds the services, serves the API,
 * then starts the run queue, dispatcher and reaper (unless DISPATCHER_ENABLED=false).
 */
export async function serveApi(config: Config, log: Logger): Promise<Api> {
  const database = await openDatabase(config, log);
  let started: Services | null = null;
  try {
    const blobs = createBlobStore(config);
    const executor = await createExecutor(config, log);
    const services = createServices(new Database(database.dataSource), config, { jwtSecret: resolveJwtSecret(config), blobs, log, databaseUrl: database.url, executor });
    started = services;
    await services.runQueue.start((sql) => database.dataSource.query(sql));
    await services.listener.start();
    const server = await startServer(config, services, log, { ready: () => databaseReady(database.dataSource) });
    if (config.DISPATCHER_ENABLED) {
      await services.dispatcher.start();
      // Hosted (OpenAI) runs bypass the GPU dispatcher; their follower runs where dispatch does.
      services.fineTuneFollower.start();
    }
    if (config.BILLING_OUTBOX_ENABLED) services.billing.outbox?.start();
    // Housekeeping (expired uploads, orphaned temporary blobs); safe on every replica.
    const sweeper = setInterval(() => services.datasets.sweep().catch((err) => log.warn({ err }, 'dataset sweep failed')), 10 * 60 * 1000);
    sweeper.unref();
    // Baselines whose server stopped mid-evaluation (lease expired): at start, then every minute.
    const sweepBaselines = () => services.baselines.sweepInterrupted().catch((err) => log.warn({ err }, 'baseline sweep failed'));
    void sweepBaselines();
    const baselineSweeper = setInterval(sweepBaselines, 60 * 1000);
    baselineSweeper.unref();
    let stopping: Promise<void> | null = null;
    return {
      server,
      database,
      services,
      stop: () =>
        (stopping ??= (async () => {
          clearInterval(sweeper);
          clearInterval(baselineSweeper);
          const step = async (name: string, fn: () => Promise<unknown>) => {
            const started = Date.now();
            await fn();
            log.debug({ step: name, ms: Date.now() - started }, 'shutdown step done');
          };
          await step('http', () => server.close());
          await step('billing outbox', async () => services.billing.outbox?.stop());
          await step('fine-tune follower', () => services.fineTuneFollower.stop());
          await step('dispatcher', () => (config.DISPATCHER_ENABLED ? services.dispatcher.stop() : services.runQueue.stop()));
          await step('listener', () => services.listener.stop());
          await step('baselines', () => services.baselines.drain());
          await step('inference', async () => {
            await services.inferenceUsage.flush();
            services.inference.cache.clear();
            await services.inference.workers?.stop();
          });
          await step('database', () => database.close());
        })()),
    };
  } catch (err) {
    // A failed start leaves nothing running: queue connections, LISTEN connection, pool.
    await started?.runQueue.stop().catch(() => undefined);
    await started?.listener.stop().catch(() => undefined);
    await database.close();
    throw err;
  }
}

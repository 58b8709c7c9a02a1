#!/usr/bin/env node
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from './config';
import { openDatabase } from './db/bootstrap';
import { createLogger } from './server/observability';
import { buildApiSchema, printApiSchema } from './server/schema';
import { serveApi } from './server/serve';

const USAGE = `usage: tuneforge <command>

commands:
  serve     run the API (GraphQL at /graphql); embedded Postgres when DATABASE_URL is unset
  migrate   apply pending database migrations and exit
  trainer   train one attempt of a run (started by an executor; see src/trainer/README.md)
  schema    write the GraphQL schema to schema.graphql (or --check to compare)
  billing:report  report the unreported usage ledger to Stripe once, then exit (the API does this continuously)
  billing:setup  create or find the Stripe meters and prices billing needs (STRIPE_SECRET_KEY), print their ids
  train     train a model offline from files (tuneforge train --help)
  eval      evaluate a trained model artifact on a file
  predict   run a trained model artifact on inputs
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'schema') {
    const sdl = printApiSchema(await buildApiSchema());
    const file = path.resolve(__dirname, '../../schema.graphql');
    if (rest.includes('--check')) {
      const same = fs.existsSync(file) && fs.readFileSync(file, 'utf8') === sdl;
      console.log(same ? 'schema.graphql is up to date' : 'schema.graphql is out of date: run npm run schema:emit');
      return same ? 0 : 1;
    }
    fs.writeFileSync(file, sdl);
    console.log(`wrote ${file}`);
    return 0;
  }
  if (command === 'trainer') {
    // One attempt of one run, over the internal protocol (src/trainer/README.md); no database access.
    const { runTrainer } = await import('./trainer/trainer');
    return runTrainer(process.env);
  }
  if (command === 'train' || command === 'eval' || command === 'predict') {
    // Loaded lazily: the API process should not pay for TensorFlow.js unless it trains.
    const { runMlCli } = await import('./ml/cli');
    return runMlCli(argv);
  }
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  if (command === 'migrate') {
    const db = await openDatabase(config, log, { migrate: true });
    await db.close();
    return 0;
  }
  if (command === 'billing:report') {
    const db = await openDatabase(config, log);
    try {
      const { createBillingServices } = await import('./billing');
      const { Database } = await import('./db/database');
      const outbox = createBillingServices(new Database(db.dataSource), config, log).outbox;
      if (!outbox) throw new ConfigError('billing:report needs STRIPE_SECRET_KEY');
      log.info(await outbox.drain(), 'usage reported');
      return 0;
    } finally {
      await db.close();
    }
  }
  if (command === 'billing:setup') {
    const { runBillingSetup } = await import('./billing/billing-setup');
    return runBillingSetup(config);
  }
  if (command === 'serve') {
    const api = await serveApi(config, log);
    let shuttingDown = false;
    const shutdown = (signal: string) => {
      if (shuttingDown) return void log.info({ signal }, 'already shutting down');
      shuttingDown = true;
      log.info({ signal }, 'shutting down');
      const force = setTimeout(() => process.exit(1), 30_000);
      force.unref();
      api.stop().then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    return new Promise<number>(() => {}); // runs until a signal
  }
  process.stderr.write(command ? `unknown command "${command}"\n\n${USAGE}` : USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);

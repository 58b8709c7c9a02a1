import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import compression from 'compression';
import express, { NextFunction, Request, Response } from 'express';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import http from 'node:http';
import crypto from 'node:crypto';
import { AddressInfo } from 'node:net';
import { Passport } from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { Principal } from '../auth/principal';
import { AppError, REQUEST_STATUS } from '../common/errors';
import { Config } from '../config';
import { TenantTransaction } from '../db/database';
import { Context, createLoaders } from './context';
import { ApiMetrics } from './observability';
import { requestPlugin } from './request-plugin';
import { buildApiSchema } from './schema';
import { consoleRoutes } from './console-routes';
import { Services } from './services';
import { trainerRoutes } from './trainer-routes';
import { contentLength } from './content-length';
import { stripeWebhookRoute } from './stripe-webhook-route';
import { UploadRefused } from '../datasets/dataset.errors';
import { presentUploadAnswer } from '../datasets/dataset.types';

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, finishes in-flight requests, closes websockets. The caller closes the database. */
  close(): Promise<void>;
}

type AuthedRequest = Request & { principal?: Principal | null; authError?: AppError };

/** Errors Apollo or we raise on purpose keep their message; anything else is masked. */
function formatError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR') {
    return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
  const { stacktrace: _ignored, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
  return { ...formatted, extensions };
}

/** A JSON body in GraphQL's error shape for requests rejected before GraphQL runs. */
function rejectRequest(res: Response, status: number, code: string, message: string, requestId: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code, requestId } }] });
}

/** Wires Express, passport, Apollo and graphql-ws on one HTTP server and starts listening. */
export async function startServer(config: Config, services: Services, log: Logger, opts: { ready: () => Promise<boolean> }): Promise<RunningServer> {
  const schema = await buildApiSchema(services.pubSub);
  const metrics = new ApiMetrics();
  const app = express();
  app.disable('x-powered-by');
  // gzip/deflate/brotli for clients that ask (Accept-Encoding), above 1 KiB: previews, metric series, lists.
  app.use(compression());
  const httpServer = http.createServer(app);

  const passport = new Passport();
  passport.use(
    new BearerStrategy({ passReqToCallback: true }, (req: Request, token: string, done: (err: unknown, user?: Principal | false) => void) => {
      services.auth.identify(token, req.header('x-tenant-id') ?? undefined).then(
        (principal) => done(null, principal),
        (err) => done(err),
      );
    }),
  );

  // Plain routes.
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const ready = await opts.ready().catch(() => false);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  // The web console (src/console), a client of the public API like any other.
  app.use('/console', consoleRoutes());

  // The trainer protocol (src/trainer/README.md): run-token authorised, not GraphQL.
  app.use('/internal/runs/:runId', trainerRoutes(services.trainerGateway, log));

  // Stripe's webhook: raw body, signature-verified (src/billing/stripe-webhooks.ts).
  app.use('/webhooks/stripe', stripeWebhookRoute(services.billing.webhooks, log));

  // Dataset uploads: the bytes of one staged upload, streamed through validation (never buffered).
  app.put('/uploads/:uploadId', async (req: Request, res: Response) => {
    const requestId = requestIdOf(req);
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    const uploadId = String(req.params.uploadId);
    try {
      if (!/^[0-9a-f-]{36}$/.test(uploadId) || !token) throw new UploadRefused(404, 'NOT_FOUND', 'upload not found');
      // A signed-in caller may only send to its own tenant's uploads; the URL's token is the permission.
      const auth = req.headers.authorization?.replace(/^Bearer\s+/i, '');
      const caller = auth ? await services.auth.authenticate(auth, req.header('x-tenant-id') ?? undefined) : null;
      const outcome = await services.datasets.receiveUpload(uploadId, token, req, {
        gzip: /gzip/i.test(req.header('content-encoding') ?? ''),
        callerTenantId: caller?.tenantId ?? null,
        contentLength: contentLength(req),
      });
      if (outcome.status === 413) res.setHeader('connection', 'close');
      res.status(outcome.status).json({ ...presentUploadAnswer(outcome.dataset, outcome.part), requestId });
    } catch (err) {
      if (err instanceof UploadRefused) return rejectRequest(res, err.status, err.code, err.message, requestId);
      if (err instanceof AppError) return rejectRequest(res, REQUEST_STATUS[err.code] ?? 400, err.code, err.message, requestId);
      log.error({ err, requestId }, 'upload failed');
      if (!res.headersSent) rejectRequest(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error', requestId);
    }
  });

  const apollo = new ApolloServer<Context>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns signal handling and shuts everything down in order; Apollo's own handler would
    // stop the server behind our back and re-raise the signal.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // We set no cache hints; Apollo's default cache-control plugin would wrap every field resolver for nothing.
      ApolloServerPluginCacheControlDisabled(),
      requestPlugin(schema, metrics, { maxCost: config.MAX_QUERY_COST, maxDepth: config.MAX_QUERY_DEPTH }),
    ],
  });
  await apollo.start();

  const requestIdOf = (req: Request) => {
    const given = req.header('x-request-id');
    return given && /^[\w.-]{1,100}$/.test(given) ? given : crypto.randomUUID();
  };

  /** One context per operation, for HTTP and websockets alike: the principal's lazy tenant transaction, loaders, logger. */
  const buildContext = (
    requestId: string,
    principal: Principal | null,
    transport: { publicUrl: string; clientKey: string; onTransaction: (tx: TenantTransaction) => void },
  ): Context => {
    const tx = principal ? new TenantTransaction(services.db.dataSource, { tenantId: principal.tenantId, userId: principal.userId }) : null;
    if (tx) transport.onTransaction(tx);
    return {
      requestId,
      principal,
      tx,
      services,
      loaders: createLoaders(() => (tx ? tx.manager() : Promise.reject(new AppError('UNAUTHENTICATED', 'sign in first')))),
      log: log.child({ requestId, tenantId: principal?.tenantId, userId: principal?.userId, apiKeyId: principal?.apiKeyId }),
      publicUrl: transport.publicUrl,
      clientKey: transport.clientKey,
      extensions: {},
      admissions: {},
    };
  };

  const authenticate = (req: AuthedRequest, res: Response, next: NextFunction) => {
    if (!req.headers.authorization) return next();
    passport.authenticate('bearer', { session: false }, (err: unknown, principal: Principal | false) => {
      if (err) req.authError = err instanceof AppError ? err : new AppError('UNAUTHENTICATED', 'credentials could not be checked');
      else if (!principal) req.authError = new AppError('UNAUTHENTICATED', 'Authorization must be "Bearer <access token or API key>"');
      else req.principal = principal;
      next();
    })(req, res, next);
  };

  app.use(
    '/graphql',
    express.json({ limit: config.MAX_BODY_BYTES }),
    authenticate,
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<Context> => {
        const r = req as AuthedRequest;
        const requestId = requestIdOf(r);
        if (r.authError) {
          const code = r.authError.code;
          throw new GraphQLError(r.authError.message, { extensions: { code, requestId, http: { status: REQUEST_STATUS[code] ?? 401 } } });
        }
        return buildContext(requestId, r.principal ?? null, {
          publicUrl: config.PUBLIC_URL ?? `${r.protocol}://${r.get('host')}`,
          clientKey: r.ip ?? 'unknown',
          onTransaction: (tx) => res.once('close', () => void tx.finish(false)),
        });
      },
    }),
  );

  // Body-parser failures (bad JSON, too large) answered in GraphQL's error shape.
  app.use((err: Error & { type?: string; status?: number }, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const requestId = requestIdOf(req);
    if (err.type === 'entity.too.large') return rejectRequest(res, 413, 'BAD_USER_INPUT', `request body exceeds ${config.MAX_BODY_BYTES} bytes`, requestId);
    if (err.type === 'entity.parse.failed') return rejectRequest(res, 400, 'BAD_USER_INPUT', 'request body is not valid JSON', requestId);
    if (err.status && err.status < 500) return rejectRequest(res, err.status, 'BAD_USER_INPUT', err.message, requestId);
    log.error({ err, requestId }, 'unhandled HTTP error');
    return rejectRequest(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error', requestId);
  });

  // Subscriptions over graphql-ws on the same port and path.
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const subscriptions = new Map<string, TenantTransaction>();
  const wsServer = useServer<Record<string, unknown>>(
    {
      schema,
      context: async (ctx, id): Promise<Context> => {
        const auth = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const bearer = typeof auth === 'string' ? auth.replace(/^Bearer\s+/i, '') : null;
        const tenant = ctx.connectionParams?.['x-tenant-id'];
        const principal = bearer ? await services.auth.authenticate(bearer, typeof tenant === 'string' ? tenant : undefined) : null;
        return buildContext(crypto.randomUUID(), principal, {
          publicUrl: config.PUBLIC_URL ?? '',
          clientKey: 'ws',
          onTransaction: (tx) => subscriptions.set(id, tx),
        });
      },
      onComplete: async (_ctx, id) => {
        await subscriptions.get(id)?.finish(true);
        subscriptions.delete(id);
      },
    },
    wss,
  );

  await new Promise<void>((resolve) => httpServer.listen(config.PORT, config.HOST, resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST;
  if (!services.internalApiUrl.value) services.internalApiUrl.value = `http://${host}:${port}`;
  log.info({ port }, `Tuneforge API listening on http://${host}:${port}/graphql`);

  return {
    url: `http://${host}:${port}/graphql`,
    port,
    async close() {
      log.debug('closing websockets');
      await wsServer.dispose();
      log.debug('draining HTTP');
      await apollo.stop(); // drains in-flight HTTP requests, then closes the server
      for (const tx of subscriptions.values()) await tx.finish(false);
    },
  };
}

import express, { NextFunction, Request, Response, Router } from 'express';
import { Logger } from 'pino';
import { pipeline } from 'node:stream/promises';
import { TrainerGateway, TrainerIdentity, TrainerRefused } from '../training/trainer-gateway';
import { contentLength } from './content-length';

type TrainerRequest = Request & { trainer?: TrainerIdentity & { cancelled: boolean } };

/** The internal routes of the trainer protocol (src/trainer/README.md), under /internal/runs/:runId. */
export function trainerRoutes(gateway: TrainerGateway, log: Logger): Router {
  const router = Router({ mergeParams: true });
  const json = express.json({ limit: '2mb' });

  const auth = (allowCancelled = false) => async (req: TrainerRequest, res: Response, next: NextFunction) => {
    try {
      const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      const attempt = Number(req.header('x-run-attempt'));
      req.trainer = await gateway.identify(String(req.params.runId), token, Number.isInteger(attempt) ? attempt : -1, allowCancelled);
      next();
    } catch (err) {
      next(err);
    }
  };
  const handle = (fn: (req: TrainerRequest, res: Response) => Promise<unknown>) => async (req: TrainerRequest, res: Response, next: NextFunction) => {
    try {
      const body = await fn(req, res);
      if (body !== undefined && !res.headersSent) res.json(body);
    } catch (err) {
      next(err);
    }
  };
  const stream = async (res: Response, source: NodeJS.ReadableStream, type: string) => {
    res.type(type);
    await pipeline(source, res);
  };

  router.get('/spec', auth(), handle((req) => gateway.spec(req.trainer!)));
  router.get('/dataset', auth(), handle(async (req, res) => stream(res, await gateway.dataset(req.trainer!), 'application/x-ndjson')));
  router.get('/parent', auth(), handle(async (req, res) => stream(res, await gateway.parentArtifact(req.trainer!), 'application/octet-stream')));
  router.post('/heartbeat', auth(true), json, handle(async (req) => (req.trainer!.cancelled ? { cancel: true } : gateway.heartbeat(req.trainer!, req.body?.progress ?? null))));
  router.post('/metrics', auth(), json, handle(async (req) => ({ accepted: await gateway.metrics(req.trainer!, Array.isArray(req.body?.points) ? req.body.points : [], req.body?.progress ?? null) })));
  router.post('/events', auth(), json, handle(async (req) => (await gateway.event(req.trainer!, req.body?.level, req.body?.message ?? '', req.body?.data ?? null), {})));
  router.get('/checkpoints', auth(), handle(async (req) => ({ names: await gateway.checkpointNames(req.trainer!) })));
  router.put('/checkpoints/:name', auth(), handle(async (req) => ({ key: await gateway.putCheckpoint(req.trainer!, String(req.params.name), req, contentLength(req)) })));
  router.get('/checkpoints/:name', auth(), handle(async (req, res) => stream(res, await gateway.getCheckpoint(req.trainer!, String(req.params.name)), 'application/octet-stream')));
  router.put('/artifact', auth(), handle(async (req) => (await gateway.putArtifact(req.trainer!, req, contentLength(req)), {})));
  router.post('/complete', auth(), json, handle(async (req) => (await gateway.complete(req.trainer!, req.body), {})));
  router.post('/fail', auth(), json, handle(async (req) => (await gateway.fail(req.trainer!, String(req.body?.code ?? 'TRAINER_ERROR'), String(req.body?.message ?? ''), Boolean(req.body?.retryable)), {})));

  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return void res.end();
    if (err instanceof TrainerRefused) {
      // A refused upload's body is not read: close the connection rather than receive it.
      if (err.status === 413) res.set('connection', 'close');
      return void res.status(err.status).json({ error: err.code, message: err.message });
    }
    log.error({ err, runId: req.params.runId, path: req.path }, 'trainer route failed');
    res.status(500).json({ error: 'INTERNAL', message: 'internal error' });
  });
  return router;
}

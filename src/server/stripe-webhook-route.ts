import express, { Request, Response, Router } from 'express';
import { Logger } from 'pino';
import { StripeWebhookHandler, WebhookRefused } from '../billing/stripe-webhooks';

/**
 * `POST /webhooks/stripe`: the body is kept raw (the signature is over its exact bytes), so this
 * route is mounted before, and apart from, any JSON parser. 2xx tells Stripe to stop retrying;
 * a verification failure is 400; a failure on our side is 500 and Stripe delivers it again.
 */
export function stripeWebhookRoute(handler: StripeWebhookHandler, log: Logger): Router {
  const router = Router();
  router.post('/', express.raw({ type: () => true, limit: '1mb' }), async (req: Request, res: Response) => {
    try {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const result = await handler.handle(body, req.header('stripe-signature') ?? undefined);
      res.json({ received: true, ...result });
    } catch (err) {
      if (err instanceof WebhookRefused) return void res.status(err.status).json({ error: { message: err.message } });
      log.error({ err }, 'stripe webhook failed');
      res.status(500).json({ error: { message: 'Internal server error' } });
    }
  });
  return router;
}

import pino, { Logger } from 'pino';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** JSON logs; credentials are redacted wherever they appear in a logged object. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'tuneforge' },
    redact: {
      paths: ['req.headers.authorization', '*.password', '*.token', '*.refreshToken', '*.secret', 'variables.input.password', 'variables.refreshToken', 'variables.input.apiKey', '*.apiKey'],
      censor: '[redacted]',
    },
  });
}

/** The process's Prometheus registry and the API's own series. */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'tuneforge_graphql_requests_total',
    help: 'GraphQL requests by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'tuneforge_graphql_request_duration_seconds',
    help: 'GraphQL request latency by operation',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tuneforge_' });
  }
}

/**
 * An in-process fake of the API's internal trainer routes (`README.md` beside this file), for the
 * trainer's tests: serves a spec and a dataset, stores checkpoints and the artifact, and records
 * everything the trainer sends. `intercept` lets a test answer a request itself (cancel, 409 …).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunSpec } from './trainer-client';

export interface RecordedRequest {
  method: string;
  /** Path after `/internal/runs/:runId`, e.g. `/heartbeat`. */
  route: string;
  body: unknown;
  at: number;
}

export interface Interception {
  status: number;
  body: unknown;
}

export interface FakeApiOptions {
  spec: RunSpec;
  /** Canonical JSONL lines, each with `split`. */
  rows: Array<Record<string, unknown>>;
  token?: string;
  /** Checkpoints already stored for the run (a previous attempt's). */
  checkpoints?: Map<string, Buffer>;
  /** Returns an answer to send instead of the normal one, or undefined. */
  intercept?(request: RecordedRequest, api: FakeApi): Interception | undefined;
}

export class FakeApi {
  readonly requests: RecordedRequest[] = [];
  readonly checkpoints: Map<string, Buffer>;
  artifact: Buffer | null = null;
  readonly token: string;
  private server: http.Server | null = null;
  url = '';

  constructor(readonly options: FakeApiOptions) {
    this.token = options.token ?? 'secret-run-token-123';
    this.checkpoints = options.checkpoints ?? new Map();
  }

  /** Requests to `route` (and method) in order. */
  sent(route: string, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route && (!method || r.method === method));
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Environment for `runTrainer`. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      TUNEFORGE_API_URL: this.url,
      TUNEFORGE_RUN_ID: this.options.spec.runId,
      TUNEFORGE_RUN_ATTEMPT: String(this.options.spec.attempt),
      TUNEFORGE_RUN_TOKEN: this.token,
      TUNEFORGE_HEARTBEAT_SECONDS: '0.2',
      ...extra,
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const prefix = `/internal/runs/${this.options.spec.runId}`;
    const url = req.url ?? '';
    const send = (status: number, body: unknown) => {
      if (Buffer.isBuffer(body)) {
        res.writeHead(status, { 'content-type': 'application/octet-stream' }).end(body);
      } else {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      }
    };
    if (!url.startsWith(prefix) || req.headers.authorization !== `Bearer ${this.token}`) return send(401, { error: 'UNAUTHORIZED' });
    if (req.headers['x-run-attempt'] !== String(this.options.spec.attempt)) return send(409, { error: 'SUPERSEDED' });
    const route = decodeURIComponent(url.slice(prefix.length));
    const isJson = (req.headers['content-type'] ?? '').startsWith('application/json');
    const request: RecordedRequest = { method: req.method ?? 'GET', route, body: isJson ? JSON.parse(raw.toString('utf8')) : raw, at: Date.now() };
    this.requests.push(request);
    const answer = this.options.intercept?.(request, this);
    if (answer) return send(answer.status, answer.body);

    const key = `${request.method} ${route.startsWith('/checkpoints/') ? '/checkpoints/:name' : route}`;
    switch (key) {
      case 'GET /spec':
        return send(200, this.options.spec);
      case 'GET /dataset': {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        // Several chunks, lines split across them, like a real stream.
        const text = this.options.rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
        for (let i = 0; i < text.length; i += 4093) res.write(text.slice(i, i + 4093));
        return void res.end();
      }
      case 'POST /heartbeat':
        return send(200, { cancel: false });
      case 'POST /metrics':
        return send(200, { accepted: (request.body as { points: unknown[] }).points.length });
      case 'POST /events':
      case 'POST /complete':
      case 'POST /fail':
        return send(200, {});
      case 'PUT /checkpoints/:name': {
        const name = route.slice('/checkpoints/'.length);
        if (!/^[A-Za-z0-9._-]+$/.test(name)) return send(400, { error: 'BAD_NAME' });
        this.checkpoints.set(name, raw);
        return send(200, { key: name });
      }
      case 'GET /checkpoints/:name': {
        const bytes = this.checkpoints.get(route.slice('/checkpoints/'.length));
        return bytes ? send(200, bytes) : send(404, { error: 'NOT_FOUND' });
      }
      case 'GET /checkpoints':
        return send(200, { names: [...this.checkpoints.keys()].sort() });
      case 'PUT /artifact':
        this.artifact = raw;
        return send(200, {});
      default:
        return send(404, { error: 'NOT_FOUND' });
    }
  }
}

/** Synthetic ratings with strong user and item effects: a biased MF beats the global mean quickly. */
export function syntheticRatings(users = 40, items = 30, perUser = 16): Array<Record<string, unknown>> {
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const ub = Array.from({ length: users }, () => rand() * 2 - 1);
  const ib = Array.from({ length: items }, () => rand() * 2 - 1);
  const rows: Array<Record<string, unknown>> = [];
  for (let u = 0; u < users; u++) {
    for (let k = 0; k < perUser; k++) {
      const i = (u * 7 + k * 3) % items;
      const rating = Math.min(5, Math.max(1, Math.round(3 + 1.2 * ub[u] + 1.2 * ib[i] + (rand() - 0.5) * 0.4)));
      const n = rows.length;
      rows.push({ split: n % 10 === 0 ? 'test' : n % 10 === 1 ? 'validation' : 'train', userId: `u${u}`, itemId: `i${i}`, rating });
    }
  }
  return rows;
}

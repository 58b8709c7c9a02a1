/**
 * A fake OpenAI API for tests (node:http), speaking the REST wire protocol of the calls Tuneforge
 * makes, with OpenAI's documented JSON shapes: `POST /v1/chat/completions` (a `chat.completion`
 * object with `choices` and `usage`), Bearer authentication (401 `invalid_api_key` with the key
 * partly echoed, as OpenAI does), and OpenAI's error envelope `{ error: { message, type, param,
 * code } }`. The `openai` SDK is pointed at it by `baseURL`, so production code runs unchanged.
 *
 * Answers are deterministic functions of the prompt (`answer`): tests compute the expected
 * metrics from the same rule. Every request is recorded (`requests`) with the key it carried.
 * `failNext(n, status, headers)` answers the next n calls with an error (429 with retry-after,
 * 500 …) before behaving again.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  apiKey: string | null;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
}

export type Answerer = (model: string, messages: ChatMessage[]) => string;

/** Default answers: classification → the label named by a keyword rule; other tasks → the user's text echoed. */
export const defaultAnswer: Answerer = (_model, messages) => {
  const system = messages[0]?.content ?? '';
  const input = messages.at(-1)?.content ?? '';
  const labels = /Labels: (.*)$/m.exec(system)?.[1]?.split(', ');
  if (!labels) return input;
  return keywordLabel(input, labels);
};

/** The fake's classifier: the first label whose name appears in the text, else the last label. */
export function keywordLabel(text: string, labels: readonly string[]): string {
  const words = new Set(text.toLowerCase().split(/[^a-z0-9]+/));
  return labels.find((l) => words.has(l.toLowerCase())) ?? labels[labels.length - 1];
}

export class FakeOpenAi {
  readonly requests: RecordedRequest[] = [];
  /** Keys the fake accepts; others get 401. */
  readonly keys = new Set<string>();
  answer: Answerer = defaultAnswer;
  private failures: { status: number; headers: Record<string, string>; code: string }[] = [];
  private server: http.Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `n` calls fail with `status` (429: rate_limit_exceeded; 5xx: server_error). */
  failNext(n: number, status: number, headers: Record<string, string> = {}): void {
    const code = status === 429 ? 'rate_limit_exceeded' : 'server_error';
    for (let i = 0; i < n; i++) this.failures.push({ status, headers, code });
  }

  clearFailures(): void {
    this.failures = [];
  }

  /** Chat requests that were answered (status 200), in arrival order. */
  chats(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/v1/chat/completions' && r.status === 200);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: any = null; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = raw;
    }
    const path = (req.url ?? '').split('?')[0];
    const apiKey = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null;
    const record: RecordedRequest = { at: Date.now(), method: req.method ?? '', path, apiKey, body, status: 0 };
    this.requests.push(record);
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_${this.requests.length}`, ...headers });
      res.end(JSON.stringify(json));
    };
    const error = (status: number, message: string, type: string, code: string | null, headers: Record<string, string> = {}) => send(status, { error: { message, type, param: null, code } }, headers);

    if (!apiKey || !this.keys.has(apiKey)) {
      const shown = apiKey ? `${apiKey.slice(0, 3)}${'*'.repeat(Math.max(0, apiKey.length - 7))}${apiKey.slice(-4)}` : '';
      return error(401, `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key');
    }
    const failure = this.failures.shift();
    if (failure) {
      const message = failure.status === 429 ? 'Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20ms.' : 'The server had an error while processing your request. Sorry about that!';
      return error(failure.status, message, failure.status === 429 ? 'requests' : 'server_error', failure.code, failure.headers);
    }
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      const messages = (body?.messages ?? []) as ChatMessage[];
      if (!body?.model || !Array.isArray(messages) || messages.length === 0) return error(400, "'messages' is a required property", 'invalid_request_error', null);
      const content = this.answer(body.model, messages);
      const promptTokens = messages.reduce((n, m) => n + m.content.split(/\s+/).length + 4, 0);
      const completionTokens = content.split(/\s+/).length;
      return send(200, {
        id: `chatcmpl-${this.requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        system_fingerprint: 'fp_fake',
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      });
    }
    return error(404, `Invalid URL (${req.method} ${path})`, 'invalid_request_error', null);
  }
}

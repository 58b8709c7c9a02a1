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
 *
 * Fine-tuning: `POST /v1/files` (multipart upload, a `file` object), `POST /v1/fine_tuning/jobs`,
 * `GET /v1/fine_tuning/jobs` (cursor pages, `metadata[k]=v` filter), `GET …/jobs/{id}`,
 * `POST …/jobs/{id}/cancel`, `GET …/jobs/{id}/events` (newest first, `after` pages towards older
 * events, `has_more`), `GET …/jobs/{id}/checkpoints`. Jobs progress by script (`script`): each
 * retrieve moves a job one state on (validating_files → queued → running), then each retrieve
 * trains `stepsPerRetrieve` steps, emitting a `metrics` event per step, and a checkpoint per
 * epoch, until `succeeded` (with `fine_tuned_model` and `trained_tokens`) — or `failed` at
 * `failAtStep` with the scripted error.
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

export interface JobScript {
  epochs: number;
  stepsPerEpoch: number;
  stepsPerRetrieve: number;
  /** Fail the job once it reaches this step, with `error`. */
  failAtStep?: number;
  error?: { code: string; message: string; param: string | null };
}

export interface FakeFile {
  id: string;
  purpose: string;
  filename: string;
  content: string;
  bytes: number;
  created_at: number;
}

interface FakeEvent {
  object: 'fine_tuning.job.event';
  id: string;
  created_at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  data: Record<string, unknown>;
  type: 'message' | 'metrics';
}

export interface FakeJob {
  job: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  script: JobScript;
  step: number;
  events: FakeEvent[];
  checkpoints: Record<string, unknown>[];
  apiKey: string;
}

const now = () => Math.floor(Date.now() / 1000);

export class FakeOpenAi {
  readonly requests: RecordedRequest[] = [];
  readonly files = new Map<string, FakeFile>();
  /** Ids of files deleted through `DELETE /v1/files/:id`, in order. */
  readonly deletedFiles: string[] = [];
  readonly jobs = new Map<string, FakeJob>();
  /** How newly created jobs progress. */
  script: JobScript = { epochs: 2, stepsPerEpoch: 3, stepsPerRetrieve: 2 };
  private seq = 0;
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
    const [path, search = ''] = (req.url ?? '').split('?');
    const query = new URLSearchParams(search);
    if (/^multipart\/form-data/.test(req.headers['content-type'] ?? '')) body = parseMultipart(Buffer.concat(chunks), req.headers['content-type']!);
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
    if (path.startsWith('/v1/files') || path.startsWith('/v1/fine_tuning/')) return this.fineTuning(req.method ?? '', path, query, body, apiKey, send, error);
    return error(404, `Invalid URL (${req.method} ${path})`, 'invalid_request_error', null);
  }

  /** Files uploaded with purpose fine-tune (the parsed JSONL lines of each). */
  uploads(): { file: FakeFile; lines: any[] }[] { // eslint-disable-line @typescript-eslint/no-explicit-any
    return [...this.files.values()].map((file) => ({ file, lines: file.content.split('\n').filter(Boolean).map((l) => JSON.parse(l)) }));
  }

  private id(prefix: string): string {
    return `${prefix}-${String(++this.seq).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`;
  }

  private event(j: FakeJob, message: string, type: 'message' | 'metrics' = 'message', data: Record<string, unknown> = {}, level: FakeEvent['level'] = 'info'): void {
    j.events.push({ object: 'fine_tuning.job.event', id: this.id('ftevent'), created_at: now(), level, message, data, type });
  }

  /** One scripted move of a job: a state on, or `stepsPerRetrieve` training steps. */
  private advance(j: FakeJob): void {
    const job = j.job;
    const total = j.script.epochs * j.script.stepsPerEpoch;
    if (job.status === 'validating_files') {
      job.status = 'queued';
      this.event(j, 'Files validated, moving job to queued state');
    } else if (job.status === 'queued') {
      job.status = 'running';
      job.hyperparameters = { ...job.hyperparameters, n_epochs: j.script.epochs, batch_size: job.hyperparameters.batch_size === 'auto' ? 1 : job.hyperparameters.batch_size };
      this.event(j, `Fine-tuning job started`);
    } else if (job.status === 'running') {
      for (let k = 0; k < j.script.stepsPerRetrieve && j.step < total; k++) {
        j.step++;
        const step = j.step;
        if (j.script.failAtStep !== undefined && step >= j.script.failAtStep) {
          job.status = 'failed';
          job.finished_at = now();
          job.error = j.script.error ?? { code: 'server_error', message: 'The job failed due to an internal error.', param: null };
          this.event(j, `Job failed: ${job.error.message}`, 'message', {}, 'error');
          return;
        }
        const trainLoss = 2 / step;
        const data: Record<string, unknown> = { step, train_loss: trainLoss, train_mean_token_accuracy: 1 - trainLoss / 4, total_steps: total };
        if (job.validation_file) Object.assign(data, { valid_loss: trainLoss * 1.1, valid_mean_token_accuracy: 1 - trainLoss / 3 });
        if (step % j.script.stepsPerEpoch === 0 && job.validation_file) data.full_valid_loss = trainLoss * 1.2;
        this.event(j, `Step ${step}/${total}: training loss=${trainLoss.toFixed(2)}`, 'metrics', data);
        if (step % j.script.stepsPerEpoch === 0) {
          j.checkpoints.push({
            object: 'fine_tuning.job.checkpoint',
            id: this.id('ftckpt'),
            created_at: now(),
            fine_tuned_model_checkpoint: `ft:${job.model}:fake-org:${job.suffix ?? ''}:${job.id.slice(-8)}:ckpt-step-${step}`,
            fine_tuning_job_id: job.id,
            metrics: { step, train_loss: trainLoss, train_mean_token_accuracy: 1 - trainLoss / 4 },
            step_number: step,
          });
        }
      }
      if (j.step >= total) {
        job.status = 'succeeded';
        job.finished_at = now();
        job.fine_tuned_model = `ft:${job.model}:fake-org:${job.suffix ?? ''}:${job.id.slice(-8)}`;
        const trainLines = this.files.get(job.training_file)?.content.split('\n').filter(Boolean).length ?? 0;
        job.trained_tokens = trainLines * 50 * j.script.epochs;
        this.event(j, `New fine-tuned model created`);
        this.event(j, 'The job has successfully completed');
      } else {
        job.estimated_finish = now() + (total - j.step);
      }
    }
  }

  private fineTuning(
    method: string,
    path: string,
    query: URLSearchParams,
    body: any, // eslint-disable-line @typescript-eslint/no-explicit-any
    apiKey: string,
    send: (status: number, json: unknown) => void,
    error: (status: number, message: string, type: string, code: string | null) => void,
  ): void {
    const page = <T extends { id: string }>(items: T[]) => {
      const limit = Math.min(Number(query.get('limit') ?? 20), 100);
      const after = query.get('after');
      const start = after ? items.findIndex((x) => x.id === after) + 1 : 0;
      const data = items.slice(start, start + limit);
      return { object: 'list', data, has_more: start + limit < items.length, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
    };
    if (method === 'POST' && path === '/v1/files') {
      if (!body?.file || !body.purpose) return error(400, "'file' and 'purpose' are required", 'invalid_request_error', null);
      const file: FakeFile = { id: this.id('file'), purpose: body.purpose, filename: body.file.filename, content: body.file.content, bytes: Buffer.byteLength(body.file.content), created_at: now() };
      this.files.set(file.id, file);
      return send(200, { object: 'file', id: file.id, purpose: file.purpose, filename: file.filename, bytes: file.bytes, created_at: file.created_at, status: 'processed', status_details: null });
    }
    const fileMatch = /^\/v1\/files\/([^/]+)$/.exec(path);
    if (method === 'DELETE' && fileMatch) {
      const file = this.files.get(fileMatch[1]);
      if (!file || this.deletedFiles.includes(file.id)) return error(404, `No such File object: ${fileMatch[1]}`, 'invalid_request_error', null);
      // Kept in `files` (uploads() is the history the tests read); gone for the API.
      this.deletedFiles.push(file.id);
      return send(200, { object: 'file', id: file.id, deleted: true });
    }
    if (method === 'POST' && path === '/v1/fine_tuning/jobs') {
      for (const key of ['training_file', 'validation_file'] as const) {
        if (body[key] && (!this.files.has(body[key]) || this.deletedFiles.includes(body[key]))) return error(400, `invalid ${key}: ${body[key]}`, 'invalid_request_error', 'invalid_file');
      }
      if (!body.training_file || !body.model) return error(400, "'model' and 'training_file' are required", 'invalid_request_error', null);
      if (body.suffix && body.suffix.length > 64) return error(400, 'suffix must be at most 64 characters', 'invalid_request_error', 'invalid_suffix');
      const hp = body.method?.supervised?.hyperparameters ?? {};
      const id = this.id('ftjob');
      const job = {
        object: 'fine_tuning.job', id, model: body.model, created_at: now(), finished_at: null, fine_tuned_model: null, organization_id: 'org-fake',
        result_files: [], status: 'validating_files', validation_file: body.validation_file ?? null, training_file: body.training_file,
        hyperparameters: { n_epochs: hp.n_epochs ?? 'auto', batch_size: hp.batch_size ?? 'auto', learning_rate_multiplier: hp.learning_rate_multiplier ?? 'auto' },
        trained_tokens: null, error: null, seed: body.seed ?? 0, estimated_finish: null, integrations: [], metadata: body.metadata ?? null,
        method: body.method ?? { type: 'supervised', supervised: { hyperparameters: hp } }, suffix: body.suffix ?? null,
      };
      const j: FakeJob = { job, script: { ...this.script }, step: 0, events: [], checkpoints: [], apiKey };
      this.jobs.set(id, j);
      this.event(j, `Created fine-tuning job: ${id}`);
      this.event(j, `Validating training file: ${body.training_file}${body.validation_file ? ` and validation file: ${body.validation_file}` : ''}`);
      return send(200, job);
    }
    if (method === 'GET' && path === '/v1/fine_tuning/jobs') {
      const filters = [...query.entries()].filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v]);
      const mine = [...this.jobs.values()].filter((j) => j.apiKey === apiKey && filters.every(([k, v]) => j.job.metadata?.[k] === v)).map((j) => j.job as { id: string }).reverse();
      return send(200, page(mine));
    }
    const m = /^\/v1\/fine_tuning\/jobs\/([^/]+)(?:\/(cancel|events|checkpoints))?$/.exec(path);
    const j = m ? this.jobs.get(m[1]) : undefined;
    if (!m || !j || j.apiKey !== apiKey) return error(404, `No such fine-tuning job: ${m?.[1] ?? path}`, 'invalid_request_error', 'fine_tune_not_found');
    if (method === 'GET' && !m[2]) {
      this.advance(j);
      return send(200, j.job);
    }
    if (method === 'POST' && m[2] === 'cancel') {
      if (['succeeded', 'failed', 'cancelled'].includes(j.job.status)) return error(400, `Job has already completed: ${j.job.status}`, 'invalid_request_error', null);
      j.job.status = 'cancelled';
      j.job.finished_at = now();
      this.event(j, 'Fine-tuning job cancelled');
      return send(200, j.job);
    }
    if (method === 'GET' && m[2] === 'events') return send(200, page([...j.events].reverse()));
    if (method === 'GET' && m[2] === 'checkpoints') return send(200, page([...j.checkpoints].reverse() as { id: string }[]));
    return error(404, `Invalid URL (${method} ${path})`, 'invalid_request_error', null);
  }
}

/** The parts of a multipart/form-data body: text fields as strings, file fields as {filename, content}. */
function parseMultipart(raw: Buffer, contentType: string): Record<string, unknown> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const out: Record<string, unknown> = {};
  if (!boundary) return out;
  const text = raw.toString('utf8');
  for (const part of text.split(`--${boundary[1] ?? boundary[2]}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const content = part.slice(split + 4).replace(/\r\n$/, '');
    const name = /name="([^"]+)"/.exec(head)?.[1];
    if (!name) continue;
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    out[name] = filename === undefined ? content : { filename, content };
  }
  return out;
}

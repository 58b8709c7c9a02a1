import { z } from 'zod';
import { resolvePlans } from './billing/plans';

/**
 * The one place that reads the environment. Every variable is documented here and in
 * `.env.example`; a bad value stops boot with a message naming the variable.
 * Defaults are the embedded ones: no variable is needed to run on a laptop.
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  /** Runtime environment; `production` refuses the development JWT secret. */
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** HTTP port for GraphQL, websockets and the plain routes. 0 picks a free port. */
  PORT: int(0, 65535).default(4000),
  /** Interface to bind. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Postgres connection string. Unset: an embedded Postgres is started under DATA_DIR/postgres. */
  DATABASE_URL: z.string().url().optional(),
  /** Pool size per API process. */
  DATABASE_POOL_SIZE: int(1, 200).default(20),
  /** Where embedded Postgres, blobs and the generated dev secret live. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** Apply pending migrations when `serve` starts (always on for embedded Postgres). */
  MIGRATE_ON_START: bool.optional(),
  /** HMAC secret for access tokens (>= 32 chars). Unset outside production: generated once into DATA_DIR. */
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  /** Lifetime of an access token, seconds. */
  ACCESS_TOKEN_TTL_SECONDS: int(30, 86_400).default(900),
  /** Lifetime of a refresh token, seconds. */
  REFRESH_TOKEN_TTL_SECONDS: int(60, 90 * 86_400).default(30 * 86_400),
  /** Lifetime of an invitation token, seconds. */
  INVITATION_TTL_SECONDS: int(60, 30 * 86_400).default(7 * 86_400),
  /** Largest accepted JSON request body, bytes. */
  MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(4 * 1024 * 1024),
  /** Deepest accepted query (selection nesting). */
  MAX_QUERY_DEPTH: int(2, 100).default(12),
  /** Highest accepted query cost (Shopify-style: objects 1, connections × first). */
  MAX_QUERY_COST: int(10, 100_000).default(1000),
  /** Per-tenant leaky bucket: capacity in cost points. */
  RATE_LIMIT_CAPACITY: int(10, 10_000_000).default(2000),
  /** Per-tenant leaky bucket: points restored per second. */
  RATE_LIMIT_RESTORE_RATE: int(1, 10_000_000).default(100),
  /** Public base URL of the API, used in upload URLs (default: the scheme and host of the request). */
  PUBLIC_URL: z.string().url().optional(),
  /** Largest dataset file, bytes (checked when the upload is created and while it streams). */
  DATASET_MAX_FILE_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 ** 3),
  /**
   * When set, uploads with a Content-Length of at least this many bytes are parsed on a worker
   * thread (the API thread receives, hashes and stores them). Unset (the default): every upload is
   * parsed in the API thread, which measured faster (163 vs 127 MB/s for 1 GiB) and ~19 MiB
   * smaller at peak on two cores once the byte path got fast (docs/BENCHMARKS.md, Dataset ingest).
   */
  INGEST_WORKER_MIN_BYTES: z.coerce.number().int().min(0).optional(),
  /** Dataset storage per tenant, bytes. */
  DATASET_MAX_TOTAL_BYTES: z.coerce.number().int().min(1024).default(50 * 1024 ** 3),
  /** Datasets per tenant. */
  DATASET_MAX_COUNT: int(1, 1_000_000).default(100),
  /** Lifetime of an upload URL, seconds. */
  UPLOAD_URL_TTL_SECONDS: int(10, 7 * 86_400).default(3600),
  /** Where training runs execute: child processes of this server, or Jobs on a Kubernetes GPU pool. */
  RUN_EXECUTOR: z.enum(['local', 'kubernetes']).default('local'),
  /** Runs a tenant may have PROVISIONING or RUNNING at once (plans refine this). */
  MAX_CONCURRENT_RUNS_PER_TENANT: int(1, 1000).default(2),
  /** Trainer child processes per API process (local executor). */
  LOCAL_EXECUTOR_CONCURRENCY: int(1, 64).default(1),
  /** Trainer heartbeat period, seconds. */
  RUN_HEARTBEAT_SECONDS: z.coerce.number().min(0.2).max(60).default(5),
  /** The largest checkpoint or model artifact a trainer may upload, bytes (a runaway trainer cannot fill the blob store). */
  TRAINER_UPLOAD_MAX_BYTES: z.coerce.number().int().min(1).default(2 * 1024 ** 3),
  /** A running run without a heartbeat this long is requeued (next attempt resumes from its checkpoint). */
  RUN_HEARTBEAT_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  /** A run that never starts within this long is requeued. */
  RUN_PROVISIONING_TIMEOUT_SECONDS: z.coerce.number().min(1).max(86_400).default(600),
  /** Attempts per run before it FAILs. */
  RUN_MAX_ATTEMPTS: int(1, 20).default(3),
  /** Wall-time limit of one attempt, seconds (Kubernetes activeDeadlineSeconds). */
  RUN_MAX_SECONDS: int(60, 7 * 86_400).default(6 * 3600),
  /** GPUs one run may ask for. */
  RUN_MAX_GPUS: int(0, 64).default(8),
  /** URL trainers use to reach this API (default: http://127.0.0.1:<port>). */
  INTERNAL_API_URL: z.string().url().optional(),
  /** pg-boss queue of run dispatches (separate deployments sharing one database use different names). */
  RUN_QUEUE: z.string().regex(/^[A-Za-z0-9_.-]{1,50}$/, 'RUN_QUEUE: letters, digits, ".", "_" and "-"').default('dispatch-run'),
  /** Run the dispatcher and reaper in this process (every replica may; turn off for API-only replicas). */
  DISPATCHER_ENABLED: bool.default(true),
  /** Kubernetes executor: namespace of trainer Jobs. */
  K8S_NAMESPACE: z.string().min(1).default('tuneforge-training'),
  /** Kubernetes executor: trainer image. */
  K8S_TRAINER_IMAGE: z.string().min(1).default('tuneforge/trainer:latest'),
  /** Kubernetes executor: API server URL (unset: in-cluster service account). */
  K8S_API_URL: z.string().url().optional(),
  /** Kubernetes executor: bearer token for K8S_API_URL. */
  K8S_TOKEN: z.string().optional(),
  /** Kubernetes executor: a (patched) trainer Job template file; unset: the built-in one (k8s/base/trainer-job-template.yaml). */
  K8S_JOB_TEMPLATE: z.string().min(1).optional(),
  /** Kubernetes executor: the Kueue LocalQueue (in K8S_NAMESPACE) trainer Jobs are queued in. */
  K8S_QUEUE_NAME: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'K8S_QUEUE_NAME: a DNS label').max(63).default('tuneforge-training'),
  /** Where datasets, checkpoints and model artifacts live: files under DATA_DIR/blobs, or an S3-compatible bucket. */
  BLOB_STORE: z.enum(['local', 's3']).default('local'),
  /** S3 blob store: bucket (required when BLOB_STORE=s3). */
  S3_BUCKET: z.string().min(1).optional(),
  /** S3 blob store: key prefix inside the bucket (e.g. `tuneforge/`), so deployments can share a bucket. */
  S3_PREFIX: z.string().regex(/^([A-Za-z0-9._-]+\/)*$/, 'S3_PREFIX: empty or "/"-separated segments ending in "/"').default(''),
  /** S3 blob store: region. */
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** S3 blob store: endpoint of an S3-compatible service (MinIO, R2, Ceph…); unset: AWS for S3_REGION. */
  S3_ENDPOINT: z.string().url().optional(),
  /** S3 blob store: path-style addressing (`endpoint/bucket/key`), which most non-AWS services need. */
  S3_FORCE_PATH_STYLE: bool.default(false),
  /** S3 blob store: access key; unset: the SDK's default chain (env, profile, IRSA, instance role). */
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  /** S3 blob store: secret key, set together with S3_ACCESS_KEY_ID. */
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Model cache per API process: artifact bytes kept loaded (least recently used versions are unloaded first). */
  INFERENCE_CACHE_BYTES: z.coerce.number().int().min(0).default(512 * 1024 ** 2),
  /**
   * Micro-batching: how long a request for an idle model version waits for others to join its batch,
   * ms (0: next tick). While a batch runs, new requests wait for it and form the next batch anyway.
   */
  INFERENCE_BATCH_WINDOW_MS: z.coerce.number().min(0).max(1000).default(1),
  /**
   * Worker threads that run text models (translation, summarization, classification) beside the API
   * thread; unset: one per CPU (the API thread mostly waits on I/O meanwhile); 0: in the API thread. Recommendation always
   * answers in the API thread (its scoring is cheap host-side work).
   */
  INFERENCE_WORKERS: int(0, 64).optional(),
  /** Micro-batching: most texts in one batch; a full batch runs at once. */
  INFERENCE_MAX_BATCH: int(1, 4096).default(64),
  /** Texts longer than this many characters are cut before the model sees them (the answer flags them). */
  INFERENCE_MAX_TEXT_CHARS: int(100, 10_000_000).default(20_000),
  /** Per-API-key (or per-user) inference bucket, separate from the query-cost one: capacity in requests. */
  INFERENCE_RATE_LIMIT_CAPACITY: int(1, 10_000_000).default(600),
  /** Per-API-key inference bucket: requests restored per second. */
  INFERENCE_RATE_LIMIT_RESTORE_RATE: z.coerce.number().min(0.01).max(10_000_000).default(20),
  /**
   * How long a resolved model reference (name/alias → version) is reused without asking Postgres, ms
   * (0: never). Alias moves and new or deleted versions drop it at once on every replica (NOTIFY).
   */
  MODEL_REF_CACHE_MS: int(0, 600_000).default(5000),
  /** How long a valid API key is remembered without a lookup, ms (0: never). Revoking drops it at once on every replica. */
  API_KEY_CACHE_MS: int(0, 600_000).default(5000),
  /** How often counted inference requests are written to the usage ledger, seconds. */
  INFERENCE_USAGE_FLUSH_SECONDS: z.coerce.number().min(0.05).max(3600).default(10),
  /** Stripe secret key. Unset: ledger-only billing (usage accrues in the ledger and is reported once a key is set). */
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  /** Signing secret of the `POST /webhooks/stripe` endpoint (whsec_…); webhooks are refused while it is unset. */
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Stripe API base URL (default Stripe's); e.g. a local Stripe-compatible server for tests. */
  STRIPE_API_URL: z.string().url().optional(),
  /** Timeout of one Stripe call, milliseconds. */
  STRIPE_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /** Plan overrides as JSON, merged over the built-in free/pro/enterprise (src/billing/plans.ts), e.g. {"free":{"gpuHoursPerPeriod":5}}. */
  BILLING_PLANS: z.string().optional(),
  /** How long a subscription may be past_due before new launches are refused (PAYMENT_REQUIRED), seconds. */
  BILLING_GRACE_PERIOD_SECONDS: int(0, 90 * 86_400).default(3 * 86_400),
  /** A RUNNING attempt writes its GPU-seconds to the ledger at least this often (the outbox reports each slice). */
  BILLING_SLICE_SECONDS: int(1, 3600).default(60),
  /** How often the outbox looks for unreported ledger rows, seconds. */
  BILLING_REPORT_INTERVAL_SECONDS: z.coerce.number().min(0.05).max(3600).default(5),
  /** Meter events in flight at once (Stripe's v1 meter event endpoint allows 1,000 calls/s in live mode). */
  BILLING_REPORT_CONCURRENCY: int(1, 64).default(8),
  /** Upper bound of meter events sent per second by one process. */
  BILLING_REPORT_MAX_PER_SECOND: int(1, 10_000).default(800),
  /** A claimed ledger row not marked within this long is claimed again (a worker died mid-send), seconds. */
  BILLING_REPORT_LEASE_SECONDS: z.coerce.number().min(0.5).max(3600).default(60),
  /** Failed sends of one row before it is flagged for an operator. */
  BILLING_REPORT_MAX_ATTEMPTS: int(1, 1000).default(25),
  /** First retry delay of a failed send, seconds; doubles per attempt up to 5 minutes. */
  BILLING_REPORT_BACKOFF_SECONDS: z.coerce.number().min(0.01).max(300).default(1),
  /** Where Checkout returns after payment, and the default portal return URL (default: PUBLIC_URL or http://localhost:<PORT>/). */
  BILLING_RETURN_URL: z.string().url().optional(),
  /** Run the billing outbox in this process (every replica may). */
  BILLING_OUTBOX_ENABLED: bool.default(true),
  /** OpenAI provider: the platform's API key, used for tenants that have not set their own (unset: tenants must set one). */
  OPENAI_API_KEY: z.string().min(1).optional(),
  /** OpenAI provider: base URL of the OpenAI API or any compatible server (vLLM, Ollama, LocalAI), e.g. http://vllm:8000/v1. */
  OPENAI_BASE_URL: z.string().url().optional(),
  /** OpenAI provider: retries of a call that got 429 or 5xx (with backoff, honouring retry-after). */
  OPENAI_MAX_RETRIES: int(0, 20).default(5),
  /** OpenAI provider: per-call timeout, seconds. */
  OPENAI_TIMEOUT_SECONDS: int(1, 3600).default(120),
  /** OpenAI provider: chat calls in flight at once per baseline evaluation. */
  OPENAI_CONCURRENCY: int(1, 64).default(4),
  /** OpenAI provider: most test rows one baseline evaluates (larger test splits need sampleSize). */
  OPENAI_BASELINE_MAX_ROWS: int(1, 1_000_000).default(2000),
  /** OpenAI provider: how often fine-tuning runs are polled (job status, events, metrics), milliseconds. Every replica with the dispatcher polls; a lease keeps them from following the same run. */
  OPENAI_POLL_INTERVAL_MS: int(50, 3_600_000).default(15_000),
  /** OpenAI provider: the per-example token limit fine-tuning rows are checked against (estimated) before upload. */
  OPENAI_MAX_EXAMPLE_TOKENS: int(16, 1_000_000).default(65_536),
  /** Server key (>= 32 chars) that encrypts tenants' provider API keys at rest. Unset: derived from the JWT secret (set it in production, so rotating JWT_SECRET keeps stored keys readable). */
  SECRETS_KEY: z.string().min(32, 'SECRETS_KEY must be at least 32 characters').optional(),
  /** pino level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof schema>;

/** Every environment variable the configuration reads (deployment manifests and docs are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export class ConfigError extends Error {}

/** Parses an environment (default: process.env) into a typed config, or throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(picked[String(i.path[0])])})`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  if (parsed.data.NODE_ENV === 'production' && !parsed.data.JWT_SECRET) {
    throw new ConfigError('Invalid configuration:\n  JWT_SECRET: required when NODE_ENV=production');
  }
  if (parsed.data.BLOB_STORE === 's3' && !parsed.data.S3_BUCKET) {
    throw new ConfigError('Invalid configuration:\n  S3_BUCKET: required when BLOB_STORE=s3');
  }
  if (!parsed.data.S3_ACCESS_KEY_ID !== !parsed.data.S3_SECRET_ACCESS_KEY) {
    throw new ConfigError('Invalid configuration:\n  S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both or neither');
  }
  if (parsed.data.BILLING_REPORT_LEASE_SECONDS * 1000 < parsed.data.STRIPE_TIMEOUT_MS + 1000) {
    throw new ConfigError('Invalid configuration:\n  BILLING_REPORT_LEASE_SECONDS: must exceed STRIPE_TIMEOUT_MS by at least a second (a claimed row must be sendable within its lease)');
  }
  try {
    resolvePlans(parsed.data.BILLING_PLANS);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ${(err as Error).message}`);
  }
  return parsed.data;
}

import os from 'node:os';
import { createPubSub } from '@graphql-yoga/subscription';
import PgBoss from 'pg-boss';
import { Logger } from 'pino';
import { ApiKeyService } from '../auth/api-key.service';
import { AuthService } from '../auth/auth.service';
import { SessionService } from '../auth/session.service';
import { BillingServices, createBillingServices } from '../billing';
import { Config } from '../config';
import { Database } from '../db/database';
import { Invalidations } from '../db/invalidations';
import { PgListener } from '../db/pg-listener';
import { DatasetService } from '../datasets/dataset.service';
import { InferenceService } from '../inference/inference.service';
import { MicroBatcher } from '../inference/micro-batcher';
import { ModelCache } from '../inference/model-cache';
import { ServedModel } from '../inference/served-model';
import { ModelWorkerPool } from '../inference/worker-pool';
import { InferenceUsageMeter } from '../inference/usage-meter';
import { ModelRegistryService } from '../models/model-registry.service';
import { BaselineService } from '../providers/openai/baseline.service';
import { FineTuneFollower } from '../providers/openai/fine-tune-follower';
import { FineTuneOutcome } from '../providers/openai/fine-tune-outcome';
import { OpenAiFineTuning } from '../providers/openai/fine-tune.service';
import { OpenAiModels } from '../providers/openai/openai-predictor';
import { OpenAiClients } from '../providers/openai/openai-client';
import { SecretBox } from '../providers/openai/secret-box';
import { BlobStore } from '../storage/blob-store';
import { TenancyService } from '../tenancy/tenancy.service';
import { Executor } from '../training/executor';
import { RunDispatcher } from '../training/run-dispatcher';
import { followRunChanges } from '../training/run-notifier';
import { RunQueue } from '../training/run-queue';
import { TrainerGateway } from '../training/trainer-gateway';
import { TrainingRunService } from '../training/training-run.service';
import { RateLimiter } from './rate-limit';

/** The services of one API process, built once at start-up and shared by every request. */
export interface Services {
  db: Database;
  sessions: SessionService;
  apiKeys: ApiKeyService;
  tenancy: TenancyService;
  auth: AuthService;
  rateLimiter: RateLimiter;
  blobs: BlobStore;
  datasets: DatasetService;
  runQueue: RunQueue;
  runs: TrainingRunService;
  dispatcher: RunDispatcher;
  trainerGateway: TrainerGateway;
  /** The LISTEN connection: run changes for subscriptions, cache invalidations from other replicas. */
  listener: PgListener;
  pubSub: ReturnType<typeof createPubSub>;
  executor: Executor;
  models: ModelRegistryService;
  inference: InferenceService;
  /** Inference requests counted into the usage ledger (flushed on shutdown). */
  inferenceUsage: InferenceUsageMeter;
  billing: BillingServices;
  /** OpenAI clients per tenant and tenants' (sealed) OpenAI keys. */
  openAi: OpenAiClients;
  /** Zero/few-shot baselines scored on datasets' test splits. */
  baselines: BaselineService;
  /** Follows OpenAI fine-tuning runs (started with the dispatcher). */
  fineTuneFollower: FineTuneFollower;
  /** Base URL trainers reach the API at; set once the server listens. */
  internalApiUrl: { value: string };
}

export interface ServiceDeps {
  jwtSecret: string;
  blobs: BlobStore;
  log: Logger;
  databaseUrl: string;
  executor: Executor;
}

export function createServices(db: Database, config: Config, deps: ServiceDeps): Services {
  const { jwtSecret, blobs, log, executor } = deps;
  const sessions = new SessionService(db, {
    jwtSecret,
    accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
  });
  const listener = new PgListener(deps.databaseUrl, log);
  const invalidations = new Invalidations(listener);
  const apiKeys = new ApiKeyService(db, { cacheMs: config.API_KEY_CACHE_MS, invalidations });
  const tenancy = new TenancyService(db, config.INVITATION_TTL_SECONDS);
  const auth = new AuthService(db, sessions, apiKeys, tenancy);
  const rateLimiter = new RateLimiter(db, {
    query: { capacity: config.RATE_LIMIT_CAPACITY, restoreRate: config.RATE_LIMIT_RESTORE_RATE },
    inference: { capacity: config.INFERENCE_RATE_LIMIT_CAPACITY, restoreRate: config.INFERENCE_RATE_LIMIT_RESTORE_RATE },
  });
  const datasets = new DatasetService(db, blobs, {
    maxFileBytes: config.DATASET_MAX_FILE_BYTES,
    maxTotalBytes: config.DATASET_MAX_TOTAL_BYTES,
    maxDatasets: config.DATASET_MAX_COUNT,
    uploadTtlSeconds: config.UPLOAD_URL_TTL_SECONDS,
    ingestWorkerMinBytes: config.INGEST_WORKER_MIN_BYTES ?? null,
  }, log);

  const internalApiUrl = { value: config.INTERNAL_API_URL ?? '' };
  const runQueue = new RunQueue(new PgBoss({ connectionString: deps.databaseUrl, max: 4, application_name: 'tuneforge-queue' }), config.RUN_QUEUE, (err) => log.warn({ err }, 'run queue connection error'));
  const dispatcher = new RunDispatcher(db, runQueue, executor, {
    maxConcurrentRunsPerTenant: config.MAX_CONCURRENT_RUNS_PER_TENANT,
    executorCapacity: config.RUN_EXECUTOR === 'local' ? config.LOCAL_EXECUTOR_CONCURRENCY : Number.MAX_SAFE_INTEGER,
    heartbeatSeconds: config.RUN_HEARTBEAT_SECONDS,
    heartbeatTimeoutSeconds: config.RUN_HEARTBEAT_TIMEOUT_SECONDS,
    provisioningTimeoutSeconds: config.RUN_PROVISIONING_TIMEOUT_SECONDS,
    activeDeadlineSeconds: config.RUN_MAX_SECONDS,
    apiUrl: () => internalApiUrl.value,
    queueName: () => config.K8S_QUEUE_NAME,
  }, log);
  const runs = new TrainingRunService(runQueue, {
    maxAttempts: config.RUN_MAX_ATTEMPTS,
    maxGpusPerRun: config.RUN_MAX_GPUS,
    heartbeatSeconds: config.RUN_HEARTBEAT_SECONDS,
  }, (run) => executor.stop(run.id, run.attempt));
  datasets.inUse = (m, datasetId) => runs.runsUsingDataset(m, datasetId);
  const trainerGateway = new TrainerGateway(db, blobs, dispatcher, { heartbeatSeconds: config.RUN_HEARTBEAT_SECONDS, usageSliceSeconds: config.BILLING_SLICE_SECONDS, uploadMaxBytes: config.TRAINER_UPLOAD_MAX_BYTES });
  // Plans bite at launch (payment), dispatch (concurrency, GPU-hours) and upload (storage).
  const billing = createBillingServices(db, config, log);
  runs.launchGate = (m, tenantId) => billing.plans.assertCanLaunch(m, tenantId);
  dispatcher.admission = billing.plans;
  datasets.storageLimit = (m, tenantId) => billing.plans.storageLimit(m, tenantId);
  const pubSub = createPubSub();
  followRunChanges(listener, pubSub, log);
  const cache = new ModelCache<ServedModel>(config.INFERENCE_CACHE_BYTES);
  const workerCount = config.INFERENCE_WORKERS ?? os.availableParallelism();
  const workers = workerCount > 0 ? new ModelWorkerPool(workerCount, log) : null;
  const models = new ModelRegistryService(blobs, { onVersionDeleted: (versionId) => cache.evict(versionId), refCacheMs: config.MODEL_REF_CACHE_MS, invalidations });
  const inferenceUsage = new InferenceUsageMeter(db, config.INFERENCE_USAGE_FLUSH_SECONDS, log);
  const inference = new InferenceService(
    models,
    blobs,
    cache,
    new MicroBatcher({ windowMs: config.INFERENCE_BATCH_WINDOW_MS, maxBatch: config.INFERENCE_MAX_BATCH, concurrency: Math.max(1, workerCount) }),
    inferenceUsage,
    rateLimiter,
    { maxTexts: 64, maxTextChars: config.INFERENCE_MAX_TEXT_CHARS },
    (tenantId) => billing.plans.inferenceLimit(tenantId),
    workers,
  );
  const openAi = new OpenAiClients(new SecretBox(config.SECRETS_KEY ?? `secrets-key-derived-from:${jwtSecret}`), {
    platformKey: config.OPENAI_API_KEY ?? null,
    baseUrl: config.OPENAI_BASE_URL ?? null,
    maxRetries: config.OPENAI_MAX_RETRIES,
    timeoutSeconds: config.OPENAI_TIMEOUT_SECONDS,
  });
  const baselines = new BaselineService(db, blobs, openAi, { concurrency: config.OPENAI_CONCURRENCY, maxRows: config.OPENAI_BASELINE_MAX_ROWS }, log);
  // OpenAI fine-tuning: launch checks and cancel through the run service, following by a poller, inference by chat completions.
  const fineTuning = new OpenAiFineTuning(blobs, openAi, { maxExampleTokens: config.OPENAI_MAX_EXAMPLE_TOKENS }, log);
  runs.hosted.set(fineTuning.provider, fineTuning);
  const fineTuneFollower = new FineTuneFollower(db, openAi, fineTuning, new FineTuneOutcome(db, blobs, { concurrency: config.OPENAI_CONCURRENCY, maxRows: config.OPENAI_BASELINE_MAX_ROWS }, log), {
    intervalMs: config.OPENAI_POLL_INTERVAL_MS,
    queue: config.RUN_QUEUE,
    leaseSeconds: Math.max(60, (config.OPENAI_POLL_INTERVAL_MS / 1000) * 5, config.OPENAI_TIMEOUT_SECONDS * 2),
    maxFailures: 20,
  }, log);
  inference.hosted = new OpenAiModels(db, openAi, config.OPENAI_CONCURRENCY);
  return { db, sessions, apiKeys, tenancy, auth, rateLimiter, blobs, datasets, runQueue, runs, dispatcher, trainerGateway, listener, pubSub, executor, models, inference, inferenceUsage, billing, openAi, baselines, fineTuneFollower, internalApiUrl };
}

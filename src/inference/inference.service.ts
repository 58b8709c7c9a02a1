import { Principal } from '../auth/principal';
import { AppError } from '../common/errors';
import { TenantTransaction } from '../db/database';
import { isMlError } from '../ml/task';
import type { ClassPrediction, ScoredItem, TaskName } from '../ml/task';
import { LoadedModel, loadModel, TextCall } from '../ml/serving';
import { ModelVersion } from '../models/model-version.entity';
import { ModelRef, ModelRegistryService, ResolvedModel } from '../models/model-registry.service';
import { Admission, BucketTake, RateLimiter, ThrottleStatus } from '../server/rate-limit';
import { BlobStore } from '../storage/blob-store';
import { unpackArtifact } from '../trainer/artifact-pack';
import { MicroBatcher } from './micro-batcher';
import { ModelCache } from './model-cache';
import { ServedModel, servedInProcess } from './served-model';
import { InferenceUsageMeter } from './usage-meter';
import { ModelWorkerPool } from './worker-pool';

export interface InferenceSettings {
  /** Texts per call. */
  maxTexts: number;
  /** Longer texts are cut to this many characters (and flagged). */
  maxTextChars: number;
}

/** The tenant's plan's inference allowance (`PlanService.inferenceLimit`). */
export interface InferencePlanLimit {
  plan: string;
  requestsPerMinute: number;
}

/**
 * Who invokes: the request's (lazy) tenant transaction, the principal, and its inference
 * admissions if the request plugin already took them (in `admissionTakes` order).
 */
export interface Caller {
  tx: TenantTransaction;
  principal: Principal;
  admissions?: Admission[];
}

/** The inference buckets' state after a call, reported in `extensions.inference`. */
export interface InferenceThrottle {
  /** The caller's own bucket (per API key, or per user and tenant). */
  throttleStatus: ThrottleStatus;
  /** The tenant's plan-wide bucket. */
  plan: { name: string; requestsPerMinute: number; throttleStatus: ThrottleStatus };
}

/** What every answer carries besides its outputs. */
export interface Invocation {
  resolved: ResolvedModel;
  throttle: InferenceThrottle;
}

/** The caller's own inference bucket: per API key, or per user and tenant. */
function callerBucketKey(principal: Principal): string {
  return principal.apiKeyId ? `invoke:key:${principal.apiKeyId}` : `invoke:user:${principal.userId}:${principal.tenantId}`;
}

export interface TextOutputs<O> extends Invocation {
  outputs: O[];
  /** Per input: the model read only its head. */
  truncated: boolean[];
}

export interface RecommendInput {
  userId: string;
  limit: number;
  excludeSeen: boolean;
  candidates?: string[] | null;
}

const OPERATION_OF: Record<TaskName, string> = { recommendation: 'recommend', translation: 'translate', summarization: 'summarize', classification: 'classify' };

/** The model's problem with an input, as the caller's error. */
function asUserError(err: unknown, field: string | string[]): unknown {
  if (isMlError(err)) return new AppError('BAD_USER_INPUT', err.message, { field: err.field ? [err.field] : field });
  return err;
}

/**
 * Invoking a tenant's models: resolve the reference (RLS: another tenant's model is NOT_FOUND),
 * check the task, take one request from the caller's inference bucket, get the model from the
 * cache (loaded from the blob store once), run the inputs in a micro-batch with other callers of
 * the same version, and count the request into the usage ledger.
 */
export class InferenceService {
  /** Predictors of provider-hosted versions (set at wiring). */
  hosted: { acquire(version: ModelVersion, task: TaskName): Promise<{ model: LoadedModel; release(): void }> } | null = null;

  constructor(
    private readonly registry: ModelRegistryService,
    private readonly blobs: BlobStore,
    readonly cache: ModelCache<ServedModel>,
    readonly batcher: MicroBatcher,
    private readonly meter: InferenceUsageMeter,
    private readonly limiter: RateLimiter,
    private readonly settings: InferenceSettings,
    /** The tenant's plan's allowance (requests per minute, all callers together). */
    private readonly planLimit: (tenantId: string) => Promise<InferencePlanLimit>,
    /** Worker threads for text models; null: they run in this thread. */
    readonly workers: ModelWorkerPool | null = null,
  ) {
    // Models held by a worker that died are gone with it: forget them, they reload on demand.
    workers?.onLost(() => cache.clear());
  }

  /** Tensors held by served models, in this thread and the workers (a leak check). */
  async numTensors(): Promise<number> {
    const tf = await import('@tensorflow/tfjs');
    return tf.memory().numTensors + ((await this.workers?.numTensors()) ?? 0);
  }

  async recommend(caller: Caller, ref: ModelRef, input: RecommendInput): Promise<Invocation & { items: ScoredItem[]; coldStart: boolean }> {
    if (!input.userId) throw new AppError('BAD_USER_INPUT', 'userId must not be empty', { field: 'userId' });
    if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > 1000) throw new AppError('BAD_USER_INPUT', `limit must be between 1 and 1000 (got ${input.limit})`, { field: 'limit' });
    if (input.candidates && (input.candidates.length < 1 || input.candidates.length > 10_000)) {
      throw new AppError('BAD_USER_INPUT', 'candidates must list 1 to 10000 item ids', { field: 'candidates' });
    }
    return this.invoke(caller, ref, 'recommendation', async (model, invocation) => {
      const predictor = model.recommender!;
      // Not micro-batched: scoring one user is a host-side pass over the item factors (~0.2 ms) that
      // shares no work with another user's, so a batch would only add queueing.
      const items = await predictor
        .recommend(input.userId, input.limit, { excludeSeen: input.excludeSeen, candidates: input.candidates ?? undefined })
        .catch((e: unknown) => Promise.reject(asUserError(e, 'candidates')));
      return { ...invocation, items, coldStart: !predictor.knowsUser(input.userId) };
    });
  }

  translate(caller: Caller, ref: ModelRef, texts: string[], beamSize: number): Promise<TextOutputs<string>> {
    if (!Number.isInteger(beamSize) || beamSize < 1 || beamSize > 16) throw new AppError('BAD_USER_INPUT', `beamSize must be between 1 and 16 (got ${beamSize})`, { field: 'beamSize' });
    return this.texts(caller, ref, texts, `translate:${beamSize}`, { task: 'translation', options: { beamSize } });
  }

  summarize(caller: Caller, ref: ModelRef, texts: string[], options: { maxSentences?: number | null; maxTokens?: number | null }): Promise<TextOutputs<string>> {
    const { maxSentences, maxTokens } = options;
    if (maxSentences != null && (!Number.isInteger(maxSentences) || maxSentences < 1 || maxSentences > 100)) throw new AppError('BAD_USER_INPUT', 'maxSentences must be between 1 and 100', { field: 'maxSentences' });
    if (maxTokens != null && (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 1000)) throw new AppError('BAD_USER_INPUT', 'maxTokens must be between 1 and 1000', { field: 'maxTokens' });
    return this.texts(caller, ref, texts, `summarize:${maxSentences ?? ''}:${maxTokens ?? ''}`, {
      task: 'summarization',
      options: { maxSentences: maxSentences ?? undefined, maxLength: maxTokens ?? undefined },
    });
  }

  classify(caller: Caller, ref: ModelRef, texts: string[]): Promise<TextOutputs<ClassPrediction>> {
    return this.texts(caller, ref, texts, 'classify', { task: 'classification' });
  }

  /** Text tasks: check the list, cut over-long texts, batch with other callers, flag truncation. */
  private async texts<O>(caller: Caller, ref: ModelRef, texts: string[], operation: string, call: TextCall): Promise<TextOutputs<O>> {
    const { maxTexts, maxTextChars } = this.settings;
    if (texts.length < 1 || texts.length > maxTexts) throw new AppError('BAD_USER_INPUT', `texts must hold 1 to ${maxTexts} texts (got ${texts.length})`, { field: 'texts' });
    const cut = texts.map((t) => (t.length > maxTextChars ? t.slice(0, maxTextChars) : t));
    return this.invoke(caller, ref, call.task, async (model, invocation) => {
      const key = `${invocation.resolved.version.id}:${operation}`;
      const answers = await this.batcher.submit(key, cut, async (batch: string[]) => {
        try {
          const { outputs, truncated } = await model.answer(call, batch);
          return outputs.map((output, i) => ({ output: output as O, truncated: truncated[i] }));
        } catch (err) {
          throw asUserError(err, 'texts');
        }
      });
      return { ...invocation, outputs: answers.map((a) => a.output), truncated: texts.map((t, i) => t.length > maxTextChars || answers[i].truncated) };
    });
  }

  private async invoke<R>(caller: Caller, ref: ModelRef, task: TaskName, use: (model: ServedModel, invocation: Invocation) => Promise<R>): Promise<R> {
    const { tx, principal } = caller;
    // The caller's bucket first (normally taken already, with the query-cost one), then the
    // reference: from the cache when warm, so a steady stream of calls opens no transaction.
    const throttle = await this.admitted(principal, caller.admissions ?? (await this.limiter.takeAll(await this.admissionTakes(principal, 1))).admissions);
    const resolved = await this.registry.resolveCached(principal.tenantId, () => tx.manager(), ref);
    const modelTask = resolved.model.task.toLowerCase() as TaskName;
    if (modelTask !== task) {
      throw new AppError('BAD_USER_INPUT', `model "${resolved.model.name}" is a ${modelTask} model; ${OPERATION_OF[task]} needs a ${task} model (use ${OPERATION_OF[modelTask]})`, {
        field: 'model',
        extensions: { modelTask: resolved.model.task, requiredTask: task.toUpperCase() },
      });
    }
    // Nothing below needs the database: give the connection back while the model works.
    await tx.commitAndRelease();
    const { artifactKey, id: versionId } = resolved.version;
    // A provider-hosted version (OpenAI) has no artifact: its predictor calls the provider.
    const handle = resolved.version.provider !== 'local' && this.hosted
      ? await this.hostedModel(resolved.version, task)
      : await this.cache.acquire(versionId, async () => {
          const artifact = await this.readBlob(artifactKey!);
          // Text models compute in the workers; recommendation scoring is cheap host-side work, kept here.
          if (this.workers && modelTask !== 'recommendation') return this.workers.load(artifact);
          return servedInProcess(await loadModel(await unpackArtifact(artifact)));
        });
    try {
      const result = await use(handle.model, { resolved, throttle });
      this.meter.count(principal.tenantId);
      return result;
    } finally {
      handle.release();
    }
  }

  /**
   * The buckets `count` invocations draw on: the caller's own (INFERENCE_RATE_LIMIT_*) and the
   * tenant's plan-wide one (`inferenceRequestsPerMinute`, a minute's worth of burst). The request
   * plugin takes them in the same statement as the query-cost bucket.
   */
  async admissionTakes(principal: Principal, count: number): Promise<BucketTake[]> {
    const { requestsPerMinute } = await this.planLimit(principal.tenantId);
    return [
      { kind: 'inference', key: callerBucketKey(principal), cost: count },
      { kind: 'plan', key: `plan-invoke:${principal.tenantId}`, cost: count, limits: { capacity: requestsPerMinute, restoreRate: requestsPerMinute / 60 } },
    ];
  }

  /** Both inference buckets said yes, or THROTTLED naming the one that did not. */
  private async admitted(principal: Principal, [own, plan]: Admission[]): Promise<InferenceThrottle> {
    const limit = await this.planLimit(principal.tenantId);
    const throttle = { throttleStatus: own.status, plan: { name: limit.plan, requestsPerMinute: limit.requestsPerMinute, throttleStatus: plan.status } };
    if (!own.allowed) {
      throw new AppError('THROTTLED', `inference rate limit of this ${principal.apiKeyId ? 'API key' : 'user'} exceeded: retry in ${own.retryAfterMs} ms`, {
        extensions: { retryAfterMs: own.retryAfterMs, inference: throttle },
      });
    }
    if (!plan.allowed) {
      const retryAfterMs = Number.isFinite(plan.retryAfterMs) ? plan.retryAfterMs : null;
      throw new AppError('THROTTLED', `the ${limit.plan} plan allows ${limit.requestsPerMinute} inference requests per minute across the tenant: ${retryAfterMs === null ? 'this plan includes none' : `retry in ${retryAfterMs} ms`}, or upgrade the plan`, {
        extensions: { retryAfterMs, inference: throttle },
      });
    }
    return throttle;
  }

  /** A provider-hosted version's predictor (built per request: it calls the provider), served in this thread. */
  private async hostedModel(version: ModelVersion, task: TaskName): Promise<{ model: ServedModel; release(): void }> {
    const handle = await this.hosted!.acquire(version, task);
    return { model: servedInProcess(handle.model), release: () => handle.release() };
  }

  private async readBlob(key: string): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.blobs.read(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

}

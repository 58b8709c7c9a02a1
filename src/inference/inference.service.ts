import { Principal } from '../auth/principal';
import { AppError } from '../common/errors';
import { TenantTransaction } from '../db/database';
import { isMlError } from '../ml/task';
import type { ClassPrediction, PredictorsByTask, ScoredItem, TaskName } from '../ml/task';
import { LoadedModel, loadModel } from '../ml/serving';
import { ModelVersion } from '../models/model-version.entity';
import { ModelRef, ModelRegistryService, ResolvedModel } from '../models/model-registry.service';
import { RateLimiter, ThrottleStatus } from '../server/rate-limit';
import { BlobStore } from '../storage/blob-store';
import { unpackArtifact } from '../trainer/artifact-pack';
import { MicroBatcher } from './micro-batcher';
import { ModelCache } from './model-cache';
import { InferenceUsageMeter } from './usage-meter';

export interface InferenceSettings {
  /** Texts per call. */
  maxTexts: number;
  /** Longer texts are cut to this many characters (and flagged). */
  maxTextChars: number;
}

/** What every answer carries besides its outputs. */
export interface Invocation {
  resolved: ResolvedModel;
  throttleStatus: ThrottleStatus;
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
    readonly cache: ModelCache,
    readonly batcher: MicroBatcher,
    private readonly meter: InferenceUsageMeter,
    private readonly limiter: RateLimiter,
    private readonly settings: InferenceSettings,
  ) {}

  async recommend(tx: TenantTransaction, principal: Principal, ref: ModelRef, input: RecommendInput): Promise<Invocation & { items: ScoredItem[]; coldStart: boolean }> {
    if (!input.userId) throw new AppError('BAD_USER_INPUT', 'userId must not be empty', { field: 'userId' });
    if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > 1000) throw new AppError('BAD_USER_INPUT', `limit must be between 1 and 1000 (got ${input.limit})`, { field: 'limit' });
    if (input.candidates && (input.candidates.length < 1 || input.candidates.length > 10_000)) {
      throw new AppError('BAD_USER_INPUT', 'candidates must list 1 to 10000 item ids', { field: 'candidates' });
    }
    return this.invoke(tx, principal, ref, 'recommendation', async (predictor, invocation) => {
      const key = `${invocation.resolved.version.id}:recommend`;
      const [items] = await this.batcher.submit(key, [input], (batch: RecommendInput[]) =>
        Promise.all(batch.map((r) => predictor.recommend(r.userId, r.limit, { excludeSeen: r.excludeSeen, candidates: r.candidates ?? undefined }).catch((e: unknown) => asUserError(e, 'candidates') as Error))),
      );
      return { ...invocation, items, coldStart: !predictor.knowsUser(input.userId) };
    });
  }

  translate(tx: TenantTransaction, principal: Principal, ref: ModelRef, texts: string[], beamSize: number): Promise<TextOutputs<string>> {
    if (!Number.isInteger(beamSize) || beamSize < 1 || beamSize > 16) throw new AppError('BAD_USER_INPUT', `beamSize must be between 1 and 16 (got ${beamSize})`, { field: 'beamSize' });
    return this.texts(tx, principal, ref, 'translation', texts, `translate:${beamSize}`, (p, batch) => p.translate(batch, { beamSize }));
  }

  summarize(tx: TenantTransaction, principal: Principal, ref: ModelRef, texts: string[], options: { maxSentences?: number | null; maxTokens?: number | null }): Promise<TextOutputs<string>> {
    const { maxSentences, maxTokens } = options;
    if (maxSentences != null && (!Number.isInteger(maxSentences) || maxSentences < 1 || maxSentences > 100)) throw new AppError('BAD_USER_INPUT', 'maxSentences must be between 1 and 100', { field: 'maxSentences' });
    if (maxTokens != null && (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 1000)) throw new AppError('BAD_USER_INPUT', 'maxTokens must be between 1 and 1000', { field: 'maxTokens' });
    return this.texts(tx, principal, ref, 'summarization', texts, `summarize:${maxSentences ?? ''}:${maxTokens ?? ''}`, (p, batch) =>
      p.summarize(batch, { maxSentences: maxSentences ?? undefined, maxLength: maxTokens ?? undefined }),
    );
  }

  classify(tx: TenantTransaction, principal: Principal, ref: ModelRef, texts: string[]): Promise<TextOutputs<ClassPrediction>> {
    return this.texts(tx, principal, ref, 'classification', texts, 'classify', (p, batch) => p.classify(batch));
  }

  /** Text tasks: check the list, cut over-long texts, batch with other callers, flag truncation. */
  private async texts<T extends Exclude<TaskName, 'recommendation'>, O>(
    tx: TenantTransaction,
    principal: Principal,
    ref: ModelRef,
    task: T,
    texts: string[],
    operation: string,
    run: (predictor: PredictorsByTask[T], batch: string[]) => Promise<O[]>,
  ): Promise<TextOutputs<O>> {
    const { maxTexts, maxTextChars } = this.settings;
    if (texts.length < 1 || texts.length > maxTexts) throw new AppError('BAD_USER_INPUT', `texts must hold 1 to ${maxTexts} texts (got ${texts.length})`, { field: 'texts' });
    const cut = texts.map((t) => (t.length > maxTextChars ? t.slice(0, maxTextChars) : t));
    return this.invoke(tx, principal, ref, task, async (predictor, invocation) => {
      const key = `${invocation.resolved.version.id}:${operation}`;
      const outputs = await this.batcher.submit(key, cut, async (batch: string[]) => {
        try {
          return await run(predictor, batch);
        } catch (err) {
          throw asUserError(err, 'texts');
        }
      });
      const truncated = texts.map((t, i) => t.length > maxTextChars || predictor.inputTruncated(cut[i]));
      return { ...invocation, outputs, truncated };
    });
  }

  private async invoke<T extends TaskName, R>(tx: TenantTransaction, principal: Principal, ref: ModelRef, task: T, use: (predictor: PredictorsByTask[T], invocation: Invocation) => Promise<R>): Promise<R> {
    // The caller's bucket first, on its own connection, before the request's transaction opens.
    const throttleStatus = await this.admit(principal);
    const resolved = await this.registry.resolve(await tx.manager(), ref);
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
      ? await this.hosted.acquire(resolved.version, task)
      : await this.cache.acquire(versionId, async () => loadModel(await unpackArtifact(await this.readBlob(artifactKey!))));
    try {
      const result = await use(handle.model.predictor as PredictorsByTask[T], { resolved, throttleStatus });
      this.meter.count(principal.tenantId);
      return result;
    } finally {
      handle.release();
    }
  }

  /** One request from the caller's inference bucket: per API key, or per user and tenant. */
  private async admit(principal: Principal): Promise<ThrottleStatus> {
    const key = principal.apiKeyId ? `invoke:key:${principal.apiKeyId}` : `invoke:user:${principal.userId}:${principal.tenantId}`;
    const admission = await this.limiter.take(key, 1);
    if (!admission.allowed) {
      throw new AppError('THROTTLED', `inference rate limit exceeded: retry in ${admission.retryAfterMs} ms`, {
        extensions: { retryAfterMs: admission.retryAfterMs, inference: { throttleStatus: admission.status } },
      });
    }
    return admission.status;
  }

  private async readBlob(key: string): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.blobs.read(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

}

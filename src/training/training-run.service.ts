import { EntityManager, QueryFailedError } from 'typeorm';
import { Principal } from '../auth/principal';
import { AppError, notFound, Problems } from '../common/errors';
import { idOf, parseGlobalId } from '../common/global-id';
import { Page, PageArgs, paginate } from '../common/relay';
import { Dataset } from '../datasets/dataset.entity';
import type { DatasetTask } from '../datasets/ingest';
import { validateHyperparameters } from '../ml/hyperparameters';
import { getTask } from '../ml/registry';
import { ModelVersion } from '../models/model-version.entity';
import { Model } from '../models/model.entity';
import { defaultBaseModel, findBaseModel } from './base-models';
import { HostedLaunch, HostedTraining } from './hosted-training';
import { RunQueue } from './run-queue';
import { RunStatus, TERMINAL } from './run-status';
import { TrainingRun } from './training-run.entity';
import { addEvent, closeAttempt, notifyRun, transition } from './training-run.repository';

export interface LaunchRunInput {
  modelName: string;
  task: DatasetTask;
  datasetId: string;
  baseModel?: string | null;
  parentVersionId?: string | null;
  hyperparameters?: Record<string, unknown> | null;
  gpus?: number | null;
  idempotencyKey?: string | null;
  /** Who trains it: LOCAL (our trainer, the default) or a hosted provider (OPENAI). */
  provider?: 'LOCAL' | 'OPENAI' | null;
  /** Hosted providers: replaces the task's system prompt the rows are converted with. */
  systemPrompt?: string | null;
}

export interface RunFilter {
  status?: RunStatus | null;
  task?: DatasetTask | null;
}

export interface RunSettings {
  maxAttempts: number;
  maxGpusPerRun: number;
  heartbeatSeconds: number;
}

const isUniqueViolation = (err: unknown) => err instanceof QueryFailedError && (err as QueryFailedError & { code?: string }).code === '23505';

/**
 * Launching, cancelling and reading training runs. Dispatch to executors lives in RunDispatcher;
 * the trainer's side of the protocol in TrainerGateway.
 */
export class TrainingRunService {
  /** Refuses a launch for reasons outside training (billing: PAYMENT_REQUIRED); set by billing. */
  launchGate: (m: EntityManager, tenantId: string) => Promise<void> = async () => undefined;
  /** Hosted providers by name (set at wiring); a run of one of them bypasses the GPU dispatcher. */
  hosted = new Map<string, HostedTraining>();

  constructor(
    private readonly queue: RunQueue,
    private readonly settings: RunSettings,
    private readonly stopWorker: (run: TrainingRun) => Promise<void>,
  ) {}

  /**
   * Validates everything up front and creates the run QUEUED, in the same transaction as its
   * queue job. The same idempotency key returns the same run (and creates nothing).
   */
  async launchRun(m: EntityManager, caller: Principal, input: LaunchRunInput): Promise<TrainingRun> {
    const key = input.idempotencyKey?.trim() || null;
    if (key) {
      const existing = await m.findOneBy(TrainingRun, { idempotencyKey: key });
      if (existing) return existing;
    }
    const problems = new Problems();
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(input.modelName)) {
      problems.add('modelName', 'modelName must be 1 to 100 letters, digits, ".", "_" or "-", starting with a letter or digit');
    }
    const gpus = input.gpus ?? 1;
    if (!Number.isInteger(gpus) || gpus < 0 || gpus > this.settings.maxGpusPerRun) problems.add('gpus', `gpus must be an integer between 0 and ${this.settings.maxGpusPerRun}`);

    const datasetRowId = parseGlobalId(input.datasetId);
    const dataset = datasetRowId?.type === 'Dataset' ? await m.findOneBy(Dataset, { id: datasetRowId.id }) : null;
    if (!dataset) problems.add('datasetId', 'dataset not found', 'NOT_FOUND');
    else if (dataset.status !== 'READY') problems.add('datasetId', `dataset is ${dataset.status}, not READY`, 'DATASET_NOT_READY');
    else if (dataset.task !== input.task) problems.add('datasetId', `dataset is for ${dataset.task}, not ${input.task}`, 'TASK_MISMATCH');

    const providerName = (input.provider ?? 'LOCAL').toLowerCase();
    const hosted = this.hosted.get(providerName) ?? null;
    if (providerName !== 'local' && !hosted) problems.add('provider', `provider ${input.provider} is not available`, 'BAD_USER_INPUT');
    if (!hosted && input.systemPrompt != null) problems.add('systemPrompt', 'systemPrompt applies to hosted providers (provider: OPENAI) only', 'BAD_USER_INPUT');
    const preset = hosted ? null : input.baseModel ? findBaseModel(input.baseModel) : defaultBaseModel(input.task);
    if (!hosted && input.baseModel && (!preset || preset.task !== input.task)) problems.add('baseModel', `unknown base model "${input.baseModel}" for ${input.task}; see baseModels(task: ${input.task})`, 'NOT_FOUND');

    let parent: ModelVersion | null = null;
    if (input.parentVersionId) {
      const parsed = parseGlobalId(input.parentVersionId);
      parent = parsed?.type === 'ModelVersion' ? await m.findOneBy(ModelVersion, { id: parsed.id }) : null;
      const parentModel = parent ? await m.findOneBy(Model, { id: parent.modelId }) : null;
      if (!parent || !parentModel) problems.add('parentVersionId', 'model version not found', 'NOT_FOUND');
      else if (parentModel.task !== input.task) problems.add('parentVersionId', `parent version is a ${parentModel.task} model, not ${input.task}`, 'TASK_MISMATCH');
    }

    let hyperparameters = { ...(preset?.hyperparameters ?? {}), ...(input.hyperparameters ?? {}) };
    let launch: HostedLaunch | null = null;
    if (hosted) {
      if (parent && parent.provider !== hosted.provider) problems.add('parentVersionId', `an ${hosted.provider} run continues only from an ${hosted.provider} version`, 'TASK_MISMATCH');
      if (dataset?.status === 'READY' && dataset.task === input.task && !problems.list.some((p) => p.field?.[0] === 'parentVersionId')) {
        launch = await hosted.prepareLaunch(m, { tenantId: caller.tenantId, task: input.task, dataset, baseModel: input.baseModel ?? null, parent, hyperparameters: input.hyperparameters ?? {}, systemPrompt: input.systemPrompt ?? null }, problems);
        if (launch) hyperparameters = launch.hyperparameters;
      }
    } else if (parent && parent.provider !== 'local') {
      problems.add('parentVersionId', `version ${parent.version} is hosted by ${parent.provider}: a local run needs a parent with weights of ours`, 'TASK_MISMATCH');
    } else if (dataset?.status === 'READY' && dataset.task === input.task) {
      const { errors } = validateHyperparameters(getTask(input.task.toLowerCase()), hyperparameters, dataset.splitCounts?.train ?? dataset.rowCount ?? 1);
      for (const e of errors) problems.add(e.field === 'hyperparameters' ? ['hyperparameters'] : ['hyperparameters', e.field], e.message, 'INVALID_HYPERPARAMETER');
    }
    problems.throwIfAny();
    await this.launchGate(m, caller.tenantId);

    const model = await this.upsertModel(m, caller.tenantId, input.modelName, input.task);
    try {
      const run = m.create(TrainingRun, {
        tenantId: caller.tenantId,
        modelId: model.id,
        task: input.task,
        datasetId: dataset!.id,
        datasetSha256: dataset!.sha256 ?? '',
        baseModel: launch ? launch.baseModel : parent ? null : (preset?.name ?? null),
        parentVersionId: parent?.id ?? null,
        hyperparameters,
        // A hosted run has no worker of ours: no GPUs to count, and one attempt (the provider retries on its side).
        gpus: launch ? 0 : gpus,
        idempotencyKey: key,
        queue: this.queue.name,
        status: 'QUEUED',
        attempt: 1,
        maxAttempts: launch ? 1 : this.settings.maxAttempts,
        createdBy: caller.userId,
        provider: hosted?.provider ?? 'local',
        providerState: launch?.state ?? null,
      });
      await m.save(run);
      if (launch) {
        // Not enqueued for the dispatcher: the provider's follower picks QUEUED runs of its provider up.
        await addEvent(m, run, 'info', `run queued for ${hosted!.provider} fine-tuning of ${launch.baseModel}`, { attempt: 1, provider: hosted!.provider });
      } else {
        await addEvent(m, run, 'info', 'run queued', { attempt: 1, gpus });
        await this.queue.enqueue(m, { tenantId: run.tenantId, runId: run.id });
      }
      await notifyRun(m, { tenantId: run.tenantId, runId: run.id, kind: 'updated' });
      return run;
    } catch (err) {
      if (key && isUniqueViolation(err)) throw new AppError('CONFLICT', 'a run with this idempotencyKey is being created; retry to get it', { field: 'idempotencyKey' });
      throw err;
    }
  }

  private async upsertModel(m: EntityManager, tenantId: string, name: string, task: DatasetTask): Promise<Model> {
    await m.query(`INSERT INTO models (tenant_id, name, task) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, name) DO NOTHING`, [tenantId, name, task]);
    const model = await m.findOneByOrFail(Model, { tenantId, name });
    if (model.task !== task) throw new AppError('BAD_USER_INPUT', `model "${name}" is a ${model.task} model, not ${task}`, { field: 'modelName' });
    return model;
  }

  /**
   * Cancels a run: a queued one never starts; a provisioning or running one has its worker
   * stopped and its GPU time closed at once. Checkpoints and metrics are kept. Idempotent for
   * runs already cancelled; a finished run is a CONFLICT.
   */
  async cancelRun(m: EntityManager, globalId: string): Promise<TrainingRun> {
    const run = await m.createQueryBuilder(TrainingRun, 'r').setLock('pessimistic_write').where('r.id = :id', { id: idOf('TrainingRun', globalId) }).getOne();
    if (!run) throw notFound('Run');
    if (run.status === 'CANCELLED') return run;
    if (TERMINAL.has(run.status)) throw new AppError('CONFLICT', `the run already ${run.status === 'SUCCEEDED' ? 'succeeded' : 'failed'}`, { field: 'id' });
    const hosted = run.provider === 'local' ? null : this.hosted.get(run.provider);
    if (hosted) {
      // The provider's job is stopped first; the provider's follower retries if it could not be reached.
      await hosted.cancel(m, run);
      return transition(m, run, 'CANCELLED', 'run cancelled', { finished_at: new Date() });
    }
    const wasActive = run.status !== 'QUEUED';
    if (wasActive) await closeAttempt(m, run, 'cancelled', this.settings.heartbeatSeconds * 3);
    // The token stays valid for one purpose: the trainer's next heartbeat learns it was cancelled.
    const cancelled = await transition(m, run, 'CANCELLED', 'run cancelled', { finished_at: new Date() });
    if (wasActive) await this.stopWorker(run).catch(() => undefined);
    return cancelled;
  }

  async getRun(m: EntityManager, globalId: string): Promise<TrainingRun> {
    const run = await m.findOneBy(TrainingRun, { id: idOf('TrainingRun', globalId) });
    if (!run) throw notFound('Run');
    return run;
  }

  listRuns<T>(m: EntityManager, args: PageArgs, filter: RunFilter | null | undefined, present: (r: TrainingRun) => T): Promise<Page<T>> {
    const qb = m.createQueryBuilder(TrainingRun, 'r');
    if (filter?.status) qb.andWhere('r.status = :status', { status: filter.status });
    if (filter?.task) qb.andWhere('r.task = :task', { task: filter.task });
    return paginate(qb, args, present);
  }

  /** Queued or running runs reading a dataset (deleting it would pull the data from under them). */
  async runsUsingDataset(m: EntityManager, datasetId: string): Promise<string[]> {
    const rows: { id: string }[] = await m.query(`SELECT id FROM training_runs WHERE dataset_id = $1 AND status IN ('QUEUED', 'PROVISIONING', 'RUNNING')`, [datasetId]);
    return rows.map((r) => r.id);
  }
}

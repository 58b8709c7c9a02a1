import OpenAI, { toFile } from 'openai';
import { Logger } from 'pino';
import { EntityManager } from 'typeorm';
import { Problems } from '../../common/errors';
import type { ClassificationRow } from '../../ml/task';
import { BlobStore } from '../../storage/blob-store';
import { readDataset } from '../../trainer/dataset-rows';
import { HostedLaunch, HostedLaunchInput, HostedTraining } from '../../training/hosted-training';
import { ProviderRunState, TrainingRun } from '../../training/training-run.entity';
import { addEvent } from '../../training/training-run.repository';
import { answerOf, ChatRow, ChatTask, checkFineTuningRows, inputOf, systemPrompt, toChatJsonl } from './chat-prompts';
import { DEFAULT_OPENAI_BASE_MODEL, estimateTokens, jobSuffix, mapHyperparameters, OPENAI_TASKS, validBaseModel } from './fine-tuning';
import { OpenAiClients } from './openai-client';
import { describeOpenAiError } from './openai-calls';

export interface FineTuneSettings {
  /** OpenAI's per-example token limit (checked with an estimate before upload). */
  maxExampleTokens: number;
}

export interface DatasetRows {
  train: ChatRow[];
  validation: ChatRow[];
  test: ChatRow[];
  lines: Record<'train' | 'validation' | 'test', number[]>;
}

const MAX_ROW_PROBLEMS = 20;

/** Reads a dataset's stored rows for a chat task, with each row's line in the stored data. */
export async function readChatRows(blobs: BlobStore, task: ChatTask, blobKey: string): Promise<DatasetRows> {
  const stream = await blobs.read(blobKey);
  stream.setEncoding('utf8');
  const lines = { train: [] as number[], validation: [] as number[], test: [] as number[] };
  const data = (await readDataset(task, stream as AsyncIterable<Buffer>, lines)) as { train: ChatRow[]; validation: ChatRow[]; test?: ChatRow[] };
  return { train: data.train, validation: data.validation, test: data.test ?? [], lines };
}

/**
 * OpenAI fine-tuning runs, the launch and cancel side (the follower submits and follows them):
 * checks a launch against OpenAI's rules and our own row checks before anything is uploaded,
 * converts the rows to chat fine-tuning JSONL, uploads them and creates the job, and cancels it.
 */
export class OpenAiFineTuning implements HostedTraining {
  readonly provider = 'openai' as const;

  constructor(
    private readonly blobs: BlobStore,
    private readonly clients: OpenAiClients,
    private readonly settings: FineTuneSettings,
    private readonly log: Logger,
  ) {}

  async prepareLaunch(m: EntityManager, input: HostedLaunchInput, problems: Problems): Promise<HostedLaunch | null> {
    const task = OPENAI_TASKS[input.task];
    if (!task) {
      problems.add('provider', `OpenAI fine-tuning is for translation, summarization and classification; a ${input.task.toLowerCase()} model trains with provider LOCAL`, 'BAD_USER_INPUT');
      return null;
    }
    const baseModel = input.parent ? input.parent.providerModel : (input.baseModel?.trim() || DEFAULT_OPENAI_BASE_MODEL);
    if (!baseModel || !validBaseModel(baseModel)) problems.add('baseModel', 'baseModel must name an OpenAI model that can be fine-tuned, e.g. gpt-4o-mini-2024-07-18', 'INVALID');
    if (input.systemPrompt && input.systemPrompt.length > 8000) problems.add('systemPrompt', 'systemPrompt must be at most 8000 characters', 'INVALID');
    const { hp, problems: hpProblems } = mapHyperparameters(input.hyperparameters);
    for (const p of hpProblems) problems.add(['hyperparameters', p.field], p.message, 'INVALID_HYPERPARAMETER');
    if ((await this.clients.keyStatus(m, input.tenantId)).source === 'NONE') {
      problems.add('provider', 'no OpenAI API key: an admin sets one with setOpenAiApiKey (or the platform sets OPENAI_API_KEY)', 'OPENAI_NOT_CONFIGURED');
    }
    if (!input.dataset.blobKey) return null;
    const rows = await readChatRows(this.blobs, task, input.dataset.blobKey);
    const labels = task === 'classification' ? [...new Set((rows.train as ClassificationRow[]).map((r) => r.label))].sort() : [];
    const system = systemPrompt(task, input.systemPrompt, labels);
    const rowProblems = checkFineTuningRows(task, { train: rows.train, validation: rows.validation });
    for (const split of ['train', 'validation'] as const) {
      rows[split].forEach((row, index) => {
        const tokens = estimateTokens([system, inputOf(task, row), answerOf(task, row)]);
        if (tokens > this.settings.maxExampleTokens) rowProblems.push({ split, index, message: `the example is about ${tokens} tokens, over OpenAI's limit of ${this.settings.maxExampleTokens} per example` });
      });
    }
    for (const p of rowProblems.slice(0, MAX_ROW_PROBLEMS)) {
      const where = p.index < 0 ? '' : `line ${rows.lines[p.split as 'train'][p.index]} (${p.split} split): `;
      problems.add('datasetId', `${where}${p.message}`, 'INVALID_ROW');
    }
    if (rowProblems.length > MAX_ROW_PROBLEMS) problems.add('datasetId', `… and ${rowProblems.length - MAX_ROW_PROBLEMS} more rows OpenAI would refuse`, 'INVALID_ROW');
    return { baseModel: baseModel ?? DEFAULT_OPENAI_BASE_MODEL, hyperparameters: hp.ours, state: { systemPrompt: system, labels, baseModel: baseModel ?? DEFAULT_OPENAI_BASE_MODEL } };
  }

  /**
   * Uploads the run's rows (train, and validation when there is any) as chat JSONL, then creates
   * the job. Each step's result is saved before the next (`save`), so a follower that dies midway
   * resumes without uploading twice; a job created just before a crash is found by its metadata.
   */
  async submit(client: OpenAI, run: TrainingRun, datasetBlobKey: string | null, save: (patch: Partial<ProviderRunState>) => Promise<void>): Promise<OpenAI.FineTuning.Jobs.FineTuningJob> {
    const state = run.providerState!;
    const task = OPENAI_TASKS[run.task];
    if (!state.trainingFileId) {
      if (!datasetBlobKey) throw new Error('the run\'s dataset is gone');
      const rows = await readChatRows(this.blobs, task, datasetBlobKey);
      const upload = async (split: string, chunk: ChatRow[]) =>
        (await client.files.create({ file: await toFile(Buffer.from(toChatJsonl(task, state.systemPrompt, chunk)), `tuneforge-${run.id}-${split}.jsonl`, { type: 'application/jsonl' }), purpose: 'fine-tune' })).id;
      const trainingFileId = await upload('train', rows.train);
      const validationFileId = rows.validation.length ? await upload('validation', rows.validation) : null;
      Object.assign(state, { trainingFileId, validationFileId });
      await save({ trainingFileId, validationFileId });
    }
    if (state.submitting) {
      for await (const job of client.fineTuning.jobs.list({ metadata: { tuneforge_run_id: run.id }, limit: 10 })) return job;
    }
    await save({ submitting: true });
    const { hp } = mapHyperparameters(run.hyperparameters);
    return client.fineTuning.jobs.create({
      model: state.baseModel,
      training_file: state.trainingFileId!,
      validation_file: state.validationFileId ?? null,
      seed: hp.seed,
      suffix: jobSuffix(run.id),
      method: { type: 'supervised', supervised: { hyperparameters: hp.supervised } },
      metadata: { tuneforge_run_id: run.id },
    });
  }

  /**
   * Cancels the run's OpenAI job, in the cancelling transaction. A job OpenAI could not be asked
   * about now is marked `cancelPending`, and the follower asks again until OpenAI confirms.
   */
  async cancel(m: EntityManager, run: TrainingRun): Promise<void> {
    if (!run.providerJobId) return; // not submitted: the follower cancels a job it creates for a cancelled run at once
    try {
      const client = await this.clients.forTenant(m, run.tenantId);
      await client.fineTuning.jobs.cancel(run.providerJobId);
      await addEvent(m, run, 'info', `OpenAI job ${run.providerJobId} cancelled`, { provider: 'openai' });
    } catch (err) {
      const error = describeOpenAiError(err);
      this.log.warn({ runId: run.id, tenantId: run.tenantId, code: error.code }, 'OpenAI job cancel failed; the follower retries');
      await m.query(`UPDATE training_runs SET provider_state = coalesce(provider_state, '{}'::jsonb) || '{"cancelPending": true}'::jsonb, provider_lease_until = NULL WHERE id = $1`, [run.id]);
      await addEvent(m, run, 'warn', `OpenAI did not confirm the cancellation yet (${error.message}); retrying`, { provider: 'openai' });
    }
  }
}

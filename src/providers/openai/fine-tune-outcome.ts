import OpenAI from 'openai';
import { Logger } from 'pino';
import { Database } from '../../db/database';
import { Dataset } from '../../datasets/dataset.entity';
import { getTask } from '../../ml/registry';
import { createVersion } from '../../models/model-registry.service';
import { BlobStore } from '../../storage/blob-store';
import { RunEvaluation, TrainingRun } from '../../training/training-run.entity';
import { addEvent, lockRun, transition } from '../../training/training-run.repository';
import { Plan, scoreAnswers } from './baseline.service';
import { chatMessages, inputOf } from './chat-prompts';
import { readChatRows } from './fine-tune.service';
import { mapHyperparameters, OPENAI_TASKS } from './fine-tuning';
import { callChat, describeOpenAiError, mapLimit } from './openai-calls';
import { createRng } from '../../ml/random';

export interface OutcomeSettings {
  concurrency: number;
  /** Most test rows the evaluation asks about (a seeded sample of larger test splits). */
  maxRows: number;
}

/**
 * A succeeded OpenAI job becomes a model version: the test split is answered by the fine-tuned
 * model with the very prompt it was trained with and scored by our own metric functions (as
 * baselines and local versions are), then in one transaction the version is registered through
 * the model registry, the job's trained tokens and the evaluation's tokens go to the usage
 * ledger, and the run SUCCEEDS. A replica that already did it makes this a no-op.
 */
export class FineTuneOutcome {
  constructor(
    private readonly db: Database,
    private readonly blobs: BlobStore,
    private readonly settings: OutcomeSettings,
    private readonly log: Logger,
  ) {}

  async succeed(client: OpenAI, run: TrainingRun, job: OpenAI.FineTuning.Jobs.FineTuningJob, keepLease: () => Promise<void> = async () => undefined): Promise<void> {
    const model = job.fine_tuned_model;
    if (!model) throw new Error(`OpenAI reports ${job.id} succeeded without a fine-tuned model`);
    const usage = { prompt: 0, completion: 0 };
    let evaluation: RunEvaluation | null = null;
    let evaluationError: string | null = null;
    try {
      evaluation = await this.evaluate(client, run, model, usage, keepLease);
    } catch (err) {
      // The model exists and is paid for: register it, and say why it has no evaluation.
      const error = describeOpenAiError(err, client.apiKey);
      evaluationError = error.code === 'INTERNAL' ? 'the evaluation failed unexpectedly' : error.message;
      this.log.warn({ err: error.code === 'INTERNAL' ? err : undefined, runId: run.id, tenantId: run.tenantId, code: error.code }, 'evaluating a fine-tuned OpenAI model failed');
    }
    await this.db.withTenant({ tenantId: run.tenantId }, async (m) => {
      const locked = await lockRun(m, run.id);
      if (!locked || locked.status !== 'RUNNING') return;
      const version = await createVersion(m, { run: locked, evaluation: evaluation as unknown as Record<string, unknown> | null, provider: { name: 'openai', model } });
      const ledger = (meter: string, quantity: number, key: string) =>
        m.query(`INSERT INTO usage_records (tenant_id, meter, quantity, run_id, idempotency_key) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING`, [run.tenantId, meter, quantity, run.id, key]);
      if (job.trained_tokens) await ledger('openai_trained_tokens', job.trained_tokens, `run:${run.id}:openai_trained_tokens`);
      if (usage.prompt + usage.completion > 0) await ledger('openai_inference_tokens', usage.prompt + usage.completion, `run:${run.id}:evaluation:openai_inference_tokens`);
      if (evaluationError) await addEvent(m, run, 'warn', `the test-split evaluation failed: ${evaluationError}`, { provider: 'openai' });
      await transition(m, locked, 'SUCCEEDED', `run succeeded: version ${version.version} registered (${model})`, {
        finished_at: new Date(),
        evaluation,
        backend: 'openai',
        progress: locked.progress ? { ...locked.progress, step: locked.progress.totalSteps, epoch: locked.progress.totalEpochs, etaSeconds: 0 } : null,
      });
    });
  }

  /** The test split (or a seeded sample of at most maxRows) answered by `model`, scored like a baseline. */
  private async evaluate(client: OpenAI, run: TrainingRun, model: string, usage: { prompt: number; completion: number }, keepLease: () => Promise<void>): Promise<RunEvaluation | null> {
    const task = OPENAI_TASKS[run.task];
    const state = run.providerState!;
    const blobKey = await this.db.withTenant({ tenantId: run.tenantId }, async (m) => (run.datasetId ? ((await m.findOneBy(Dataset, { id: run.datasetId }))?.blobKey ?? null) : null));
    if (!blobKey) return null;
    const data = await readChatRows(this.blobs, task, blobKey);
    if (!data.test.length) return null;
    const seed = mapHyperparameters(run.hyperparameters).hp.seed;
    let rows = data.test;
    if (rows.length > this.settings.maxRows) {
      const picked = createRng(seed).shuffle(rows.map((_, i) => i)).slice(0, this.settings.maxRows).sort((a, b) => a - b);
      rows = picked.map((i) => data.test[i]);
    }
    const plan: Plan = { task, rows, shots: [], train: data.train, labels: state.labels, system: state.systemPrompt };
    let answered = 0;
    const answers = await mapLimit(rows, this.settings.concurrency, async (row) => {
      if (++answered % 50 === 0) await keepLease();
      const answer = await callChat(client, { model, messages: chatMessages(task, plan.system, [], inputOf(task, row)), seed });
      usage.prompt += answer.promptTokens;
      usage.completion += answer.completionTokens;
      return answer.content;
    });
    const scored = scoreAnswers(plan, answers);
    return {
      split: 'test',
      metrics: scored.metrics,
      baseline: getTask(task).baseline(data.train as never[], rows as never[]),
      details: { ...(scored.details ?? {}), rowsEvaluated: rows.length, model },
    };
  }
}

import type OpenAI from 'openai';
import { Logger } from 'pino';
import { EntityManager } from 'typeorm';
import { Principal } from '../../auth/principal';
import { notFound, Problems } from '../../common/errors';
import { idOf, parseGlobalId } from '../../common/global-id';
import { Database } from '../../db/database';
import { Dataset } from '../../datasets/dataset.entity';
import { classificationAnswerMetrics, summarizationAnswerMetrics, translationAnswerMetrics } from '../../ml/answer-metrics';
import { createRng } from '../../ml/random';
import { getTask } from '../../ml/registry';
import type { ClassificationRow, Evaluation, SummarizationRow, TranslationRow } from '../../ml/task';
import { BlobStore } from '../../storage/blob-store';
import { readDataset } from '../../trainer/dataset-rows';
import { RunEvaluation } from '../../training/training-run.entity';
import { Baseline } from './baseline.entity';
import { ChatMessage, chatMessages, ChatRow, ChatTask, inputOf, parseLabel, systemPrompt } from './chat-prompts';
import { OpenAiClients } from './openai-client';
import { callChat, describeOpenAiError, mapLimit } from './openai-calls';

export interface EvaluateBaselineInput {
  datasetId: string;
  model: string;
  shots?: number | null;
  sampleSize?: number | null;
  seed?: number | null;
  systemPrompt?: string | null;
}

export interface BaselineSettings {
  /** Chat calls in flight at once per evaluation. */
  concurrency: number;
  /** Most test rows one evaluation may read (larger splits need sampleSize). */
  maxRows: number;
}

const CHAT_TASKS: Record<string, ChatTask> = { TRANSLATION: 'translation', SUMMARIZATION: 'summarization', CLASSIFICATION: 'classification' };
export const MAX_SHOTS = 8;

/** What an evaluation asks and how: the rows, the examples before each, the labels, the system prompt. */
export interface Plan {
  task: ChatTask;
  rows: ChatRow[];
  shots: ChatRow[];
  train: ChatRow[];
  labels: string[];
  system: string;
}

/** How long a RUNNING baseline's lease lasts; its process renews it every third of that. */
const LEASE_SECONDS = 60;

/**
 * Zero- and few-shot baselines: a chat model answers the dataset's test split (or a seeded sample
 * of it) with the task prompt and k training examples, and our own metric functions score the
 * answers, so they sit beside trained versions on the same rows. `evaluateBaseline` validates
 * and stores the baseline RUNNING, then evaluates in the background (state in Postgres; a lease tells a
 * crashed process's baselines from live ones).
 */
export class BaselineService {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly blobs: BlobStore,
    private readonly clients: OpenAiClients,
    private readonly settings: BaselineSettings,
    private readonly log: Logger,
  ) {}

  async evaluateBaseline(caller: Principal, input: EvaluateBaselineInput): Promise<Baseline> {
    const { baseline, plan, client } = await this.db.withTenant({ tenantId: caller.tenantId }, async (m) => {
      const problems = new Problems();
      const shots = input.shots ?? 0;
      const seed = input.seed ?? 0;
      const model = input.model.trim();
      if (!Number.isInteger(shots) || shots < 0 || shots > MAX_SHOTS) problems.add(['input', 'shots'], `shots must be between 0 and ${MAX_SHOTS}`, 'INVALID');
      if (input.sampleSize != null && (!Number.isInteger(input.sampleSize) || input.sampleSize < 1 || input.sampleSize > this.settings.maxRows)) {
        problems.add(['input', 'sampleSize'], `sampleSize must be between 1 and ${this.settings.maxRows}`, 'INVALID');
      }
      if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) problems.add(['input', 'seed'], 'seed must be an integer between 0 and 2147483647', 'INVALID');
      if (!model || model.length > 200) problems.add(['input', 'model'], 'model must name a chat model (1 to 200 characters), e.g. gpt-4o-mini', 'INVALID');
      if (input.systemPrompt && input.systemPrompt.length > 8000) problems.add(['input', 'systemPrompt'], 'systemPrompt must be at most 8000 characters', 'INVALID');
      const ref = parseGlobalId(input.datasetId);
      const dataset = ref?.type === 'Dataset' ? await m.findOneBy(Dataset, { id: ref.id }) : null;
      const task = dataset ? CHAT_TASKS[dataset.task] : undefined;
      if (!dataset) problems.add(['input', 'datasetId'], 'dataset not found', 'NOT_FOUND');
      else if (dataset.status !== 'READY' || !dataset.blobKey) problems.add(['input', 'datasetId'], `dataset is ${dataset.status}, not READY`, 'DATASET_NOT_READY');
      else if (!task) problems.add(['input', 'datasetId'], `baselines are for translation, summarization and classification datasets, not ${dataset.task.toLowerCase()}`, 'TASK_MISMATCH');
      problems.throwIfAny();

      const data = await this.rows(task!, dataset!.blobKey!);
      const test = data.test ?? [];
      if (test.length === 0) problems.add(['input', 'datasetId'], 'the dataset has no test split to evaluate on', 'NO_TEST_SPLIT');
      else if (input.sampleSize == null && test.length > this.settings.maxRows) {
        problems.add(['input', 'sampleSize'], `the test split has ${test.length} rows; evaluate a sample of at most ${this.settings.maxRows} (sampleSize)`, 'TOO_MANY_ROWS');
      }
      if (shots > data.train.length) problems.add(['input', 'shots'], `the train split has only ${data.train.length} rows for ${shots} examples`, 'INVALID');
      problems.throwIfAny();
      const client = await this.clients.forTenant(m, caller.tenantId);

      const plan = planBaseline(task!, data.train, test, { shots, seed, sampleSize: input.sampleSize ?? null, systemPrompt: input.systemPrompt ?? null });
      const baseline = m.create(Baseline, {
        tenantId: caller.tenantId,
        datasetId: dataset!.id,
        datasetSha256: dataset!.sha256 ?? '',
        task: dataset!.task as Baseline['task'],
        provider: 'openai',
        model,
        shots,
        sampleSize: input.sampleSize ?? null,
        seed,
        systemPrompt: plan.system,
        status: 'RUNNING',
        rowsEvaluated: null,
        evaluation: null,
        error: null,
        promptTokens: 0,
        completionTokens: 0,
        createdBy: caller.userId,
        finishedAt: null,
        leaseUntil: new Date(Date.now() + LEASE_SECONDS * 1000),
      });
      await m.save(baseline);
      return { baseline, plan, client };
    });
    const work = this.run(baseline, plan, client).finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
    return baseline;
  }

  /** Waits for evaluations in progress (server shutdown, tests). */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private async rows(task: ChatTask, blobKey: string) {
    const stream = await this.blobs.read(blobKey);
    stream.setEncoding('utf8');
    return readDataset(task, stream as AsyncIterable<Buffer>) as Promise<{ train: ChatRow[]; validation: ChatRow[]; test?: ChatRow[] }>;
  }

  /**
   * Fails the baselines whose evaluating process is gone (RUNNING with an expired lease): their
   * answers so far are lost with it; the caller may evaluate again. Safe on every replica.
   * Returns how many were ended.
   */
  async sweepInterrupted(): Promise<number> {
    // A system write across tenants: the sweep belongs to no tenant.
    const rows: unknown[] = await this.db.system((m) =>
      m.query(
        `UPDATE baselines SET status = 'FAILED', finished_at = now(), lease_until = NULL,
                error = jsonb_build_object('code', 'INTERRUPTED', 'message', 'the server evaluating this baseline stopped before it finished; evaluate it again')
          WHERE status = 'RUNNING' AND lease_until < now() RETURNING id`,
      ),
    );
    const ended = Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length;
    if (ended) this.log.warn({ baselines: ended }, 'failed baselines whose server stopped');
    return ended;
  }

  private async run(baseline: Baseline, plan: Plan, client: OpenAI): Promise<void> {
    const usage = { prompt: 0, completion: 0 };
    const renew = setInterval(() => {
      this.db
        .withTenant({ tenantId: baseline.tenantId }, (m) => m.query(`UPDATE baselines SET lease_until = now() + make_interval(secs => $2) WHERE id = $1 AND status = 'RUNNING'`, [baseline.id, LEASE_SECONDS]))
        .catch((err: unknown) => this.log.warn({ err, baselineId: baseline.id }, 'could not renew a baseline lease'));
    }, (LEASE_SECONDS / 3) * 1000);
    renew.unref();
    try {
      const answers = await mapLimit(plan.rows, this.settings.concurrency, async (row) => {
        const messages: ChatMessage[] = chatMessages(plan.task, plan.system, plan.shots, inputOf(plan.task, row));
        const answer = await callChat(client, { model: baseline.model, messages, seed: baseline.seed });
        usage.prompt += answer.promptTokens;
        usage.completion += answer.completionTokens;
        return answer.content;
      });
      const evaluation: RunEvaluation = { split: 'test', ...scoreAnswers(plan, answers), baseline: getTask(plan.task).baseline(plan.train as never[], plan.rows as never[]) };
      await this.finish(baseline, { status: 'SUCCEEDED', evaluation, rows_evaluated: plan.rows.length }, usage);
    } catch (err) {
      const error = describeOpenAiError(err, client.apiKey);
      // OpenAI's errors are logged by code only; anything else is our bug and is logged whole.
      if (error.code === 'INTERNAL') this.log.error({ err, baselineId: baseline.id, tenantId: baseline.tenantId }, 'baseline evaluation failed');
      else this.log.warn({ baselineId: baseline.id, tenantId: baseline.tenantId, code: error.code }, 'baseline evaluation failed');
      await this.finish(baseline, { status: 'FAILED', error }, usage).catch((e: unknown) => this.log.error({ err: e, baselineId: baseline.id }, 'could not record a failed baseline'));
    } finally {
      clearInterval(renew);
    }
  }

  /** The outcome and the tokens used, with their usage-ledger row, in one transaction. */
  private async finish(baseline: Baseline, set: Record<string, unknown>, usage: { prompt: number; completion: number }): Promise<void> {
    await this.db.withTenant({ tenantId: baseline.tenantId }, async (m: EntityManager) => {
      const columns = Object.keys(set);
      await m.query(
        `UPDATE baselines SET ${columns.map((c, i) => `${c} = $${i + 4}`).join(', ')}, prompt_tokens = $2, completion_tokens = $3, finished_at = now(), lease_until = NULL WHERE id = $1`,
        [baseline.id, usage.prompt, usage.completion, ...columns.map((c) => set[c])],
      );
      const tokens = usage.prompt + usage.completion;
      if (tokens > 0) {
        await m.query(
          `INSERT INTO usage_records (tenant_id, meter, quantity, idempotency_key) VALUES ($1, 'openai_inference_tokens', $2, $3) ON CONFLICT (idempotency_key) DO NOTHING`,
          [baseline.tenantId, tokens, `baseline:${baseline.id}:openai_inference_tokens`],
        );
      }
    });
  }

  async getBaseline(m: EntityManager, globalId: string): Promise<Baseline> {
    const baseline = await m.findOneBy(Baseline, { id: idOf('Baseline', globalId) });
    if (!baseline) throw notFound('Baseline');
    return baseline;
  }

  /** Baselines of a dataset, oldest first. A foreign dataset is NOT_FOUND. */
  async listForDataset(m: EntityManager, datasetGlobalId: string): Promise<Baseline[]> {
    const dataset = await m.findOneBy(Dataset, { id: idOf('Dataset', datasetGlobalId, 'datasetId') });
    if (!dataset) throw notFound('Dataset', 'datasetId');
    return m.find(Baseline, { where: { datasetId: dataset.id }, order: { createdAt: 'ASC' } });
  }
}

/**
 * Which rows a baseline asks about and how: the test split or a seeded sample of it (kept in
 * split order), k training examples drawn with the seed, the labels of the train split.
 */
export function planBaseline(task: ChatTask, train: ChatRow[], test: ChatRow[], o: { shots: number; seed: number; sampleSize: number | null; systemPrompt: string | null }): Plan {
  let rows = test;
  if (o.sampleSize !== null && o.sampleSize < test.length) {
    const picked = createRng(o.seed).shuffle(test.map((_, i) => i)).slice(0, o.sampleSize).sort((a, b) => a - b);
    rows = picked.map((i) => test[i]);
  }
  const shots = o.shots ? createRng(o.seed + 1).shuffle([...train]).slice(0, o.shots) : [];
  const labels = task === 'classification' ? [...new Set((train as ClassificationRow[]).map((r) => r.label))].sort() : [];
  return { task, rows, shots, train, labels, system: systemPrompt(task, o.systemPrompt, labels) };
}

/** Scores a chat model's answers to `plan.rows` with our task metric functions. */
export function scoreAnswers(plan: Plan, answers: string[]): Evaluation {
  if (plan.task === 'translation') return translationAnswerMetrics(plan.rows as TranslationRow[], answers);
  if (plan.task === 'summarization') return summarizationAnswerMetrics(plan.rows as SummarizationRow[], answers);
  return classificationAnswerMetrics(plan.rows as ClassificationRow[], answers.map((a) => parseLabel(a, plan.labels)), plan.labels);
}

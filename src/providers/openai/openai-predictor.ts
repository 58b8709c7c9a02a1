import crypto from 'node:crypto';
import OpenAI from 'openai';
import { AppError } from '../../common/errors';
import { Database } from '../../db/database';
import { INVALID_LABEL } from '../../ml/answer-metrics';
import type { LoadedModel } from '../../ml/serving';
import type { ClassPrediction, TaskName } from '../../ml/task';
import { ModelVersion } from '../../models/model-version.entity';
import { TrainingRun } from '../../training/training-run.entity';
import { chatMessages, ChatTask, parseLabel } from './chat-prompts';
import { OpenAiClients } from './openai-client';
import { callChat, describeOpenAiError, mapLimit } from './openai-calls';

/** A model in use, as the inference service holds one (the shape of ModelCache's handle). */
export interface HostedModelHandle {
  model: LoadedModel;
  release(): void;
}

/**
 * Predictors for OpenAI-hosted versions: each input is one chat completion on the fine-tuned
 * model, asked with the very system prompt the model was trained with (kept on its run). Built
 * per request, never cached: the tenant's key may change at any time. Tokens used go to the
 * usage ledger (`openai_inference_tokens`) after each batch.
 *
 * Classification: the answer is read with `parseLabel`; there are no calibrated probabilities
 * behind a chat answer, so the named label gets score 1 (and is the only entry of `scores`); an
 * answer naming no known label comes back as "(invalid answer)" with score 0. Translation and
 * summarization options (beamSize, maxSentences, maxTokens) do not apply and are ignored.
 */
export class OpenAiModels {
  constructor(private readonly db: Database, private readonly clients: OpenAiClients, private readonly concurrency: number) {}

  async acquire(version: ModelVersion, task: TaskName): Promise<HostedModelHandle> {
    if (task === 'recommendation' || !version.providerModel) throw new AppError('BAD_USER_INPUT', 'this version is not a chat model', { field: 'model' });
    const { client, system, labels } = await this.db.withTenant({ tenantId: version.tenantId }, async (m) => {
      const run = version.runId ? await m.findOneBy(TrainingRun, { id: version.runId }) : null;
      if (!run?.providerState) throw new AppError('NOT_FOUND', 'the run that trained this version is gone, and with it its prompt', { field: 'model' });
      return { client: await this.clients.forTenant(m, version.tenantId), system: run.providerState.systemPrompt, labels: run.providerState.labels };
    });
    const model = version.providerModel;
    const ask = async (texts: string[]): Promise<string[]> => {
      let tokens = 0;
      try {
        return await mapLimit(texts, this.concurrency, async (text) => {
          const answer = await callChat(client, { model, messages: chatMessages(task as ChatTask, system, [], text) });
          tokens += answer.promptTokens + answer.completionTokens;
          return answer.content;
        });
      } catch (err) {
        throw asInvocationError(err, client);
      } finally {
        if (tokens) await this.recordTokens(version.tenantId, tokens);
      }
    };
    const predictor = {
      task,
      inputTruncated: () => false,
      translate: (texts: string[]) => ask(texts),
      summarize: (texts: string[]) => ask(texts),
      classify: async (texts: string[]): Promise<ClassPrediction[]> =>
        (await ask(texts)).map((answer) => {
          const label = parseLabel(answer, labels);
          return label === null ? { label: INVALID_LABEL, score: 0, scores: {} } : { label, score: 1, scores: { [label]: 1 } };
        }),
    };
    return { model: { task, predictor: predictor as unknown as LoadedModel['predictor'], bytes: 0, dispose: () => undefined }, release: () => undefined };
  }

  /** One ledger row per call that used tokens (OpenAI calls are slow enough that a row each costs nothing noticeable). */
  private async recordTokens(tenantId: string, tokens: number): Promise<void> {
    await this.db.withTenant({ tenantId }, (m) =>
      m.query(`INSERT INTO usage_records (tenant_id, meter, quantity, idempotency_key) VALUES ($1, 'openai_inference_tokens', $2, $3)`, [tenantId, tokens, `openai-inference:${crypto.randomUUID()}`]),
    );
  }
}

/** OpenAI's refusal as the caller's error: 429 → THROTTLED, anything else → UPSTREAM_ERROR with OpenAI's status (keys masked). */
function asInvocationError(err: unknown, client: OpenAI): unknown {
  if (!(err instanceof OpenAI.APIError)) return err;
  const error = describeOpenAiError(err, client.apiKey);
  if (err.status === 429) return new AppError('THROTTLED', error.message, { extensions: { provider: { code: error.code } } });
  return new AppError('UPSTREAM_ERROR', error.message, { extensions: { provider: { code: error.code } } });
}

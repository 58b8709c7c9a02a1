/**
 * OpenAI fine-tuning, the parts that are pure rules: which tasks and hyperparameters a run may
 * have, how our hyperparameters map to OpenAI's, how OpenAI's job status maps to our run status
 * machine, and how OpenAI's job events become our run events and metric points. No HTTP, no SQL.
 */
import type OpenAI from 'openai';
import type { RunProgress } from '../../training/training-run.entity';
import type { RunStatus } from '../../training/run-status';
import type { ChatTask } from './chat-prompts';

type FineTuningJob = OpenAI.FineTuning.Jobs.FineTuningJob;
type FineTuningJobEvent = OpenAI.FineTuning.Jobs.FineTuningJobEvent;
type SupervisedHyperparameters = OpenAI.FineTuning.Methods.SupervisedHyperparameters;

export const OPENAI_TASKS: Record<string, ChatTask> = { TRANSLATION: 'translation', SUMMARIZATION: 'summarization', CLASSIFICATION: 'classification' };
export const DEFAULT_OPENAI_BASE_MODEL = 'gpt-4o-mini-2024-07-18';
/** OpenAI's limit on a fine-tuning job's `suffix`. */
export const MAX_SUFFIX = 64;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,199}$/;

interface HpRule {
  openAi: keyof SupervisedHyperparameters;
  integer: boolean;
  min: number;
  max: number;
}

/** Our names → OpenAI's supervised hyperparameters; each also takes "auto" (OpenAI picks from the dataset). */
const HYPERPARAMETERS: Record<string, HpRule> = {
  epochs: { openAi: 'n_epochs', integer: true, min: 1, max: 50 },
  batchSize: { openAi: 'batch_size', integer: true, min: 1, max: 256 },
  learningRateMultiplier: { openAi: 'learning_rate_multiplier', integer: false, min: 1e-6, max: 100 },
};

export interface OpenAiHyperparameters {
  /** What the run stores and shows (ours, with "auto" where not given). */
  ours: Record<string, unknown>;
  supervised: SupervisedHyperparameters;
  seed: number;
}

/** Checks a run's hyperparameters for OpenAI; problems name `['hyperparameters', field]`. */
export function mapHyperparameters(given: Record<string, unknown>): { hp: OpenAiHyperparameters; problems: { field: string; message: string }[] } {
  const problems: { field: string; message: string }[] = [];
  const ours: Record<string, unknown> = {};
  const supervised: SupervisedHyperparameters = {};
  for (const [name, rule] of Object.entries(HYPERPARAMETERS)) {
    const value = given[name] ?? 'auto';
    ours[name] = value;
    if (value === 'auto') {
      supervised[rule.openAi] = 'auto';
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || (rule.integer && !Number.isInteger(value)) || value < rule.min || value > rule.max) {
      problems.push({ field: name, message: `${name} must be "auto" or ${rule.integer ? 'an integer' : 'a number'} between ${rule.min} and ${rule.max}` });
      continue;
    }
    (supervised as Record<string, number>)[rule.openAi] = value;
  }
  const seed = given.seed ?? 42;
  if (!Number.isInteger(seed) || (seed as number) < 0 || (seed as number) > 2 ** 31 - 1) problems.push({ field: 'seed', message: 'seed must be an integer between 0 and 2147483647' });
  ours.seed = seed;
  for (const name of Object.keys(given)) {
    if (!(name in HYPERPARAMETERS) && name !== 'seed') problems.push({ field: name, message: `OpenAI fine-tuning takes epochs, batchSize, learningRateMultiplier and seed; not ${name}` });
  }
  return { hp: { ours, supervised, seed: seed as number }, problems };
}

export const validBaseModel = (name: string) => MODEL_NAME.test(name);

/** A short, unique-enough suffix for the fine-tuned model's name: `tf-` and the run id's first 12 hex digits. */
export const jobSuffix = (runId: string) => `tf-${runId.replace(/-/g, '').slice(0, 12)}`.slice(0, MAX_SUFFIX);

/**
 * OpenAI's job status → ours. `validating_files` and `queued` are PROVISIONING: the run has left
 * our queue and waits for someone else's machines, exactly what PROVISIONING means for a
 * Kubernetes Job waiting on Kueue. `running` is RUNNING; the outcomes map one to one.
 */
export function mapJobStatus(status: FineTuningJob['status']): RunStatus {
  switch (status) {
    case 'validating_files':
    case 'queued':
      return 'PROVISIONING';
    case 'running':
      return 'RUNNING';
    case 'succeeded':
      return 'SUCCEEDED';
    case 'failed':
      return 'FAILED';
    case 'cancelled':
      return 'CANCELLED';
  }
}

/** Our statuses to pass through (in order) from `from` to reach `to`, as the run status machine allows. */
export function pathTo(from: RunStatus, to: RunStatus): RunStatus[] {
  if (from === to) return [];
  const order: RunStatus[] = ['QUEUED', 'PROVISIONING', 'RUNNING'];
  if (to === 'FAILED' || to === 'CANCELLED') return [to];
  if (to === 'SUCCEEDED') return [...order.slice(order.indexOf(from) + 1), 'SUCCEEDED'];
  const i = order.indexOf(from);
  const j = order.indexOf(to);
  return j > i ? order.slice(i + 1, j + 1) : [];
}

export interface MirroredMetric {
  name: string;
  split: string;
  step: number;
  epoch: number;
  value: number;
}

/** OpenAI's metric names → our series (name, split); local runs log `loss` on train and validation the same way. */
const METRICS: Record<string, [string, string]> = {
  train_loss: ['loss', 'train'],
  valid_loss: ['loss', 'validation'],
  full_valid_loss: ['full_loss', 'validation'],
  train_mean_token_accuracy: ['token_accuracy', 'train'],
  valid_mean_token_accuracy: ['token_accuracy', 'validation'],
  full_valid_mean_token_accuracy: ['full_token_accuracy', 'validation'],
};

/** Metric points of a `type: 'metrics'` event (`data: {step, train_loss, …}`); epochs counted from 0 like local runs. */
export function metricPoints(event: FineTuningJobEvent, stepsPerEpoch: number | null): MirroredMetric[] {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const step = Number(data.step);
  if (event.type !== 'metrics' || !Number.isInteger(step)) return [];
  const epoch = stepsPerEpoch ? Math.floor((step - 1) / stepsPerEpoch) : 0;
  const points: MirroredMetric[] = [];
  for (const [key, [name, split]] of Object.entries(METRICS)) {
    const value = data[key];
    if (typeof value === 'number' && Number.isFinite(value)) points.push({ name, split, step, epoch, value });
  }
  return points;
}

/** Progress from the newest metrics event and the job (OpenAI's estimated finish gives the ETA). */
export function progressOf(event: FineTuningJobEvent, job: FineTuningJob, stepsPerEpoch: number | null): RunProgress | null {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const step = Number(data.step);
  const totalSteps = Number(data.total_steps);
  if (!Number.isInteger(step) || !Number.isInteger(totalSteps)) return null;
  const epochs = typeof job.hyperparameters?.n_epochs === 'number' ? job.hyperparameters.n_epochs : stepsPerEpoch ? Math.round(totalSteps / stepsPerEpoch) : 1;
  return {
    step,
    totalSteps,
    epoch: stepsPerEpoch ? Math.min(epochs, Math.floor(step / stepsPerEpoch)) : 0,
    totalEpochs: epochs,
    etaSeconds: job.estimated_finish ? Math.max(0, job.estimated_finish - Math.floor(Date.now() / 1000)) : null,
  };
}

/** Steps per epoch once OpenAI has resolved `n_epochs` (total steps = epochs × steps per epoch). */
export function stepsPerEpochOf(event: FineTuningJobEvent, job: FineTuningJob): number | null {
  const totalSteps = Number(((event.data ?? {}) as Record<string, unknown>).total_steps);
  const epochs = job.hyperparameters?.n_epochs;
  return Number.isInteger(totalSteps) && typeof epochs === 'number' && epochs > 0 ? Math.max(1, Math.round(totalSteps / epochs)) : null;
}

/** Rough token count of a chat example (about 4 characters a token, plus a few per message), for checks before upload. */
export function estimateTokens(texts: readonly string[]): number {
  return texts.reduce((n, t) => n + Math.ceil(t.length / 4) + 4, 3);
}

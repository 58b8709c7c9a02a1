import type { DatasetTask } from '../datasets/ingest';

/** A preset: a named starting point with default hyperparameters (merged under the caller's). */
export interface BaseModelPreset {
  name: string;
  task: DatasetTask;
  description: string;
  hyperparameters: Record<string, unknown>;
}

/**
 * The presets tenants start from (like OpenAI's fine-tunable base models). Each names an
 * architecture of the ML core and a size; a run may instead continue from a parent version.
 */
export const BASE_MODELS: readonly BaseModelPreset[] = [
  { name: 'mf-small', task: 'RECOMMENDATION', description: 'Matrix factorisation with biases, 32 factors', hyperparameters: { factors: 32 } },
  { name: 'mf-base', task: 'RECOMMENDATION', description: 'Matrix factorisation with biases, 64 factors', hyperparameters: { factors: 64 } },
  { name: 'gru-attention-small', task: 'TRANSLATION', description: 'GRU encoder–decoder with attention, subword tokenizer', hyperparameters: {} },
  { name: 'extractive-base', task: 'SUMMARIZATION', description: 'Trained sentence scorer picking the best sentences', hyperparameters: {} },
  { name: 'embedding-bag', task: 'CLASSIFICATION', description: 'fastText-style embedding bag with word n-grams', hyperparameters: {} },
];

export const defaultBaseModel = (task: DatasetTask): BaseModelPreset => BASE_MODELS.find((b) => b.task === task)!;
export const findBaseModel = (name: string): BaseModelPreset | undefined => BASE_MODELS.find((b) => b.name === name);

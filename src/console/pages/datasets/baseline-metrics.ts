import type { Task } from '../../gql/graphql';

/** The test metrics a task's versions and baselines share; the first is the one compared by default. */
export const COMPARABLE_METRICS: Partial<Record<Task, string[]>> = {
  TRANSLATION: ['bleu', 'chrf'],
  SUMMARIZATION: ['rouge1', 'rouge2', 'rougeL'],
  CLASSIFICATION: ['accuracy', 'macroF1'],
};

export const DEFAULT_BASELINE_MODEL = 'gpt-4o-mini';
export const MAX_SHOTS = 8;

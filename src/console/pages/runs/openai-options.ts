import type { Provider, Task } from '../../gql/graphql';

/** Tasks OpenAI can fine-tune (the API refuses a recommendation run on `provider`). */
export const OPENAI_TASKS: readonly Task[] = ['TRANSLATION', 'SUMMARIZATION', 'CLASSIFICATION'];

export const DEFAULT_OPENAI_BASE_MODEL = 'gpt-4o-mini-2024-07-18';

export const PROVIDERS: { value: Provider; label: string; hint: string }[] = [
  { value: 'LOCAL', label: 'Our GPU pool', hint: 'Tuneforge trains and serves the model.' },
  { value: 'OPENAI', label: 'OpenAI', hint: 'Fine-tunes an OpenAI chat model with the tenant\'s key; OpenAI bills the tokens.' },
];

/** OpenAI's hyperparameters: each a number or "auto" (OpenAI picks from the data). */
export const OPENAI_HYPERPARAMETERS = ['epochs', 'batchSize', 'learningRateMultiplier'] as const;
export type OpenAiHyperparameter = (typeof OPENAI_HYPERPARAMETERS)[number];
export type OpenAiDrafts = Partial<Record<OpenAiHyperparameter, string>>;

/**
 * The hyperparameters to send: blank and "auto" are left out (the API's default is auto), numbers
 * as numbers, anything else as typed so that the server names it beside the field.
 */
export function openAiHyperparameters(drafts: OpenAiDrafts): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of OPENAI_HYPERPARAMETERS) {
    const draft = (drafts[key] ?? '').trim();
    if (draft === '' || draft.toLowerCase() === 'auto') continue;
    const n = Number(draft);
    out[key] = Number.isFinite(n) ? n : draft;
  }
  return out;
}

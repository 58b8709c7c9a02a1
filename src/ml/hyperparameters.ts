/**
 * Hyperparameter validation shared by every task: the common training-loop fields
 * below plus the task's own `hyperparameterSpec`, with one set of messages
 * (`hiddenSize must be between 16 and 1024`). Unknown keys are errors, so a typo never
 * silently trains with a default.
 */
import type { AnyTaskModule, HyperparameterError, HyperparameterField, HyperparameterSpec, TrainHyperparameters } from './task';

export const COMMON_HYPERPARAMETERS: HyperparameterSpec = {
  seed: { type: 'int', min: 0, max: 2 ** 31 - 1, description: 'random seed (data order, initialisation, sampling)' },
  epochs: { type: 'int', min: 1, max: 1000, description: 'passes over the training data' },
  batchSize: { type: 'int', min: 1, max: 65536, description: 'examples per optimizer step' },
  learningRate: { type: 'number', min: 1e-6, max: 10, description: 'peak learning rate' },
  optimizer: { type: 'enum', values: ['adam', 'adamw', 'sgd'], description: 'optimizer' },
  weightDecay: { type: 'number', min: 0, max: 1, description: 'L2 penalty (adam, sgd) or decoupled decay (adamw)' },
  lrSchedule: { type: 'enum', values: ['constant', 'linear', 'cosine'], description: 'learning-rate decay after warm-up' },
  warmupSteps: { type: 'int', min: 0, max: 1_000_000, description: 'linear warm-up steps' },
  clipNorm: { type: 'number', min: 0, max: 1000, description: 'clip gradients to this global norm; 0 = off' },
  evalEverySteps: { type: 'int', min: 0, max: 10_000_000, description: 'extra validation every N steps; 0 = per epoch only' },
  earlyStoppingMetric: { type: 'enum', values: [], description: "validation metric for early stopping; '' = the task's primary metric" },
  earlyStoppingPatience: { type: 'int', min: 0, max: 1000, description: 'epochs without improvement before stopping; 0 = off' },
  freeze: { type: 'string[]', description: 'parameter groups to keep frozen (warm start)' },
  adapterRank: { type: 'int', min: 0, max: 256, description: 'rank of low-rank adapters; 0 = none' },
};

export interface ValidatedHyperparameters<HP> {
  hp: HP | null;
  errors: HyperparameterError[];
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? String(value);
}

function checkField(name: string, field: HyperparameterField, value: unknown): string | null {
  switch (field.type) {
    case 'int':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${name} must be a number`;
      if (field.type === 'int' && !Number.isInteger(value)) return `${name} must be an integer`;
      if (value < field.min || value > field.max) return `${name} must be between ${field.min} and ${field.max}`;
      return null;
    }
    case 'enum':
      if (typeof value !== 'string') return `${name} must be a string`;
      if (field.values.length > 0 && !field.values.includes(value)) return `${name} must be one of ${field.values.join(', ')} (got ${describe(value)})`;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : `${name} must be true or false`;
    case 'string[]':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) return `${name} must be a list of strings`;
      if (field.values) {
        const bad = value.find((v) => !field.values!.includes(v as string));
        if (bad !== undefined) return `${name}: unknown value ${describe(bad)} (allowed: ${field.values.join(', ')})`;
      }
      return null;
  }
}

/** The full spec of a task: common fields, then the task's own. */
export function hyperparameterSpecOf(module: AnyTaskModule): HyperparameterSpec {
  return { ...COMMON_HYPERPARAMETERS, ...module.hyperparameterSpec };
}

/**
 * Merges `raw` (tenant JSON) over the task's defaults for `nTrain` rows and validates
 * every field. Returns all errors at once; `hp` is null when there is any.
 */
export function validateHyperparameters<HP extends TrainHyperparameters>(
  module: { hyperparameterSpec: HyperparameterSpec; primaryMetric: { name: string }; defaults(n: number): HP; checkHyperparameters?(hp: HP): HyperparameterError[] },
  raw: unknown,
  nTrain: number,
  metricNames: readonly string[] = [],
): ValidatedHyperparameters<HP> {
  const errors: HyperparameterError[] = [];
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    return { hp: null, errors: [{ field: 'hyperparameters', message: 'hyperparameters must be a JSON object' }] };
  }
  const given = (raw ?? {}) as Record<string, unknown>;
  const spec: HyperparameterSpec = { ...COMMON_HYPERPARAMETERS, ...module.hyperparameterSpec };
  const merged: Record<string, unknown> = { ...(module.defaults(nTrain) as object) };
  for (const [key, value] of Object.entries(given)) {
    const field = spec[key];
    if (!field) {
      errors.push({ field: key, message: `unknown hyperparameter ${key} (known: ${Object.keys(spec).sort().join(', ')})` });
      continue;
    }
    if (value === null || value === undefined) continue; // null = use the default
    const msg = checkField(key, field, value);
    if (msg) errors.push({ field: key, message: msg });
    else merged[key] = value;
  }
  const esm = merged.earlyStoppingMetric;
  if (typeof esm === 'string' && esm !== '' && metricNames.length > 0 && !metricNames.includes(esm)) {
    errors.push({ field: 'earlyStoppingMetric', message: `earlyStoppingMetric must be one of ${metricNames.join(', ')} (got "${esm}")` });
  }
  if (errors.length === 0 && module.checkHyperparameters) errors.push(...module.checkHyperparameters(merged as unknown as HP));
  return errors.length ? { hp: null, errors } : { hp: merged as unknown as HP, errors };
}

/** Hyperparameters every task starts from (tasks override per dataset size). */
export function commonDefaults(): TrainHyperparameters {
  return {
    seed: 42,
    epochs: 10,
    batchSize: 64,
    learningRate: 1e-3,
    optimizer: 'adam',
    weightDecay: 0,
    lrSchedule: 'constant',
    warmupSteps: 0,
    clipNorm: 0,
    evalEverySteps: 0,
    earlyStoppingMetric: '',
    earlyStoppingPatience: 0,
    freeze: [],
    adapterRank: 0,
  };
}

/**
 * The contract between the generic training loop (`train.ts`) and the task models
 * (`tasks/*.ts`). Every task — recommendation, translation, summarization,
 * classification — implements {@link TaskModule}; nothing else in `src/ml` knows
 * which task it is running.
 *
 * Rules every implementation follows:
 * - Batches are plain JS data (typed arrays, numbers, strings), never tensors: the loop
 *   turns them into tensors inside `loss()`, so a batch list can be kept across steps
 *   without leaking memory.
 * - All randomness comes from the {@link Rng} handed in (data shuffling, negative
 *   sampling, dropout seeds). `Math.random` is never used: the same data hash + seed +
 *   hyperparameters give the same metrics on the same backend, and a resumed run
 *   ends exactly like an uninterrupted one.
 * - Bad input is reported as an {@link MlError} with a code the API can map to a
 *   `userErrors` entry; a tensor stack trace never reaches a caller.
 * - `src/ml` knows nothing of HTTP, SQL or tenants.
 */
import type * as tf from '@tensorflow/tfjs';

// ---------------------------------------------------------------------------
// Tasks and their rows
// ---------------------------------------------------------------------------

export const TASK_NAMES = ['recommendation', 'translation', 'summarization', 'classification'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** One explicit rating (or an implicit interaction with `rating` 1). Ids are opaque strings. */
export interface RecommendationRow {
  userId: string;
  itemId: string;
  rating: number;
  /** Unix seconds; optional, used only for ordering when a task asks for it. */
  timestamp?: number;
}

export interface TranslationRow {
  source: string;
  target: string;
}

export interface SummarizationRow {
  document: string;
  summary: string;
}

export interface ClassificationRow {
  text: string;
  label: string;
}

/** Row type per task, for typed lookups (`RowOf<'classification'>`). */
export interface RowsByTask {
  recommendation: RecommendationRow;
  translation: TranslationRow;
  summarization: SummarizationRow;
  classification: ClassificationRow;
}
export type RowOf<T extends TaskName> = RowsByTask[T];
export type AnyRow = RowsByTask[TaskName];

// ---------------------------------------------------------------------------
// Metrics, progress, callbacks
// ---------------------------------------------------------------------------

export type Split = 'train' | 'validation' | 'test';

/** Flat metric map, e.g. `{ rmse: 0.91, mae: 0.72, 'hr@10': 0.41 }`. Every value is finite. */
export type Metrics = Record<string, number>;

/**
 * Extra structured evaluation output that is not a single number (confusion matrix,
 * per-class precision/recall). Kept beside the flat metrics in artifacts.
 */
export type MetricDetails = Record<string, unknown>;

export interface Evaluation {
  metrics: Metrics;
  details?: MetricDetails;
}

/** One point of a metric series; `step` counts optimizer steps since the run began (1-based). */
export interface MetricPoint {
  name: string;
  split: Split;
  step: number;
  epoch: number;
  value: number;
}

/** Training progress. `etaSeconds` is null until one step has been timed. */
export interface Progress {
  step: number;
  totalSteps: number;
  epoch: number;
  totalEpochs: number;
  etaSeconds: number | null;
}

/**
 * Callbacks of a training run. All are optional and synchronous from the loop's point
 * of view (a returned promise is awaited, so a slow sink slows training instead of
 * piling up). Throwing from a callback aborts the run with that error.
 */
export interface TrainCallbacks {
  onMetric?(point: MetricPoint): void | Promise<void>;
  onProgress?(progress: Progress): void | Promise<void>;
  /** Called after a checkpoint has been fully written under `key` (a storage prefix). */
  onCheckpoint?(info: { key: string; epoch: number; step: number }): void | Promise<void>;
  /** Human-readable log lines (backend chosen, early stopping, …). */
  onLog?(message: string): void;
  /** Cancellation: checked between steps. A cancelled run throws `MlError('CANCELLED')`. */
  signal?: AbortSignal;
  /** Alternative to `signal`: polled between steps; true requests cancellation. */
  shouldStop?(): boolean;
  /**
   * Polled between steps; true asks for a checkpoint at the next step boundary
   * ("checkpoint on request", e.g. before a node drains).
   */
  checkpointRequested?(): boolean;
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

export type MlErrorCode =
  /** No rows (after dropping unusable ones). */
  | 'EMPTY_DATASET'
  /** Classification data with a single label. */
  | 'ONE_CLASS'
  /** A hyperparameter is unknown, of the wrong type or out of range; `field` names it. */
  | 'INVALID_HYPERPARAMETER'
  /** A row is malformed (NaN rating, missing text …); `details.line` when known. */
  | 'BAD_DATA'
  /** An input is longer than the model accepts and the task does not truncate. */
  | 'INPUT_TOO_LONG'
  /** Predict-time id the model has never seen (e.g. a candidate item). */
  | 'UNKNOWN_ITEM'
  | 'UNKNOWN_TASK'
  /** A parent artifact of another task or an incompatible shape. */
  | 'INCOMPATIBLE_PARENT'
  /** An artifact or checkpoint that cannot be read. */
  | 'BAD_ARTIFACT'
  /** The run was cancelled through `signal` / `shouldStop`. */
  | 'CANCELLED'
  /** A training step produced a non-finite loss (diverged). */
  | 'DIVERGED'
  | 'NOT_IMPLEMENTED';

/**
 * The one error type of `src/ml`. Everything a caller can fix carries a code; `field`
 * names the hyperparameter or input field at fault; `details` carries structured
 * extras (line number, limits) safe to show to a tenant.
 */
export class MlError extends Error {
  readonly code: MlErrorCode;
  readonly field?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: MlErrorCode, message: string, options: { field?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlError';
    this.code = code;
    this.field = options.field;
    this.details = options.details;
  }
}

export function isMlError(e: unknown): e is MlError {
  return e instanceof MlError;
}

// ---------------------------------------------------------------------------
// Hyperparameters
// ---------------------------------------------------------------------------

/** One hyperparameter's type and allowed values, used for validation and for docs. */
export type HyperparameterField =
  | { type: 'int' | 'number'; min: number; max: number; description: string }
  | { type: 'enum'; values: readonly string[]; description: string }
  | { type: 'boolean'; description: string }
  | { type: 'string[]'; values?: readonly string[]; description: string };

export type HyperparameterSpec = Record<string, HyperparameterField>;

/** A validation failure, shaped like a GraphQL `userError`. */
export interface HyperparameterError {
  field: string;
  message: string;
}

export type LrSchedule = 'constant' | 'linear' | 'cosine';
export type OptimizerName = 'adam' | 'adamw' | 'sgd';

/**
 * Hyperparameters every task shares (the training loop reads these). Task modules
 * extend this interface with their own fields and describe them in
 * `hyperparameterSpec`; `validateHyperparameters()` in `hyperparameters.ts`
 * validates both parts with the same messages.
 */
export interface TrainHyperparameters {
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: OptimizerName;
  /** L2 (adam, sgd) or decoupled (adamw) weight decay; 0 = off. */
  weightDecay: number;
  lrSchedule: LrSchedule;
  warmupSteps: number;
  /** Clip gradients by global norm; 0 = off. */
  clipNorm: number;
  /** Extra validation every N steps; 0 = only at the end of each epoch. */
  evalEverySteps: number;
  /** Validation metric watched by early stopping and best-model selection; '' = the task's primary metric. */
  earlyStoppingMetric: string;
  /** Epoch evaluations without improvement before stopping; 0 = never stop early. */
  earlyStoppingPatience: number;
  /** Parameter groups kept frozen (names listed by the task's `parameterGroups`). */
  freeze: string[];
  /** Rank of low-rank adapters added to the task's adaptable matrices; 0 = none. */
  adapterRank: number;
}

// ---------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------

/** Seeded, serializable random source (implementation in `random.ts`). */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal sample. */
  normal(): number;
  /** A 31-bit seed for tfjs ops that take one (dropout, initializers). */
  seed(): number;
  /** In-place Fisher–Yates shuffle; returns the array. */
  shuffle<T>(items: T[]): T[];
  /** Opaque state; `restore(state())` continues the exact same sequence. */
  state(): number[];
  restore(state: number[]): void;
}

// ---------------------------------------------------------------------------
// Storage (checkpoints, artifacts)
// ---------------------------------------------------------------------------

/**
 * Keys → bytes. Keys are `/`-separated relative paths (`checkpoints/epoch-0003/model.json`);
 * `..`, absolute paths and empty segments are rejected. A directory implementation
 * lives in `storage.ts`; the API swaps in a blob store with the same four methods.
 */
export interface Storage {
  read(key: string): Promise<Uint8Array>;
  /** Atomic per key: a reader never sees half a file. */
  write(key: string, bytes: Uint8Array): Promise<void>;
  /** All keys starting with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}

// ---------------------------------------------------------------------------
// Artifacts
// ---------------------------------------------------------------------------

/** File name → bytes. The artifact directory (or blob prefix) is exactly these files. */
export type ArtifactFiles = Record<string, Uint8Array>;

export const ARTIFACT_FORMAT = 'tuneforge-artifact';
export const ARTIFACT_FORMAT_VERSION = 1;

/** `metadata.json` of an artifact. */
export interface ArtifactMetadata {
  format: typeof ARTIFACT_FORMAT;
  formatVersion: number;
  task: TaskName;
  /** Fully resolved hyperparameters (defaults applied). */
  hyperparameters: TrainHyperparameters & Record<string, unknown>;
  /** sha256 of the canonical training data, as given by the caller (or computed). */
  dataHash: string;
  backend: string;
  /** Final evaluation of the returned (best) weights on the evaluation split. */
  metrics: Metrics;
  metricDetails?: MetricDetails;
  baseline: Metrics;
  params: { trainable: number; total: number };
  /** Epoch whose weights were kept (best validation), and steps run. */
  bestEpoch: number;
  steps: number;
  versions: { tuneforge: string; tfjs: string; artifact: number };
  createdAt: string;
  /** Parent artifact's data hash when warm-started. */
  parentDataHash?: string;
}

// ---------------------------------------------------------------------------
// Predictors (inference)
// ---------------------------------------------------------------------------

export interface RecommendOptions {
  /** Leave out items the user rated in training (default true). */
  excludeSeen?: boolean;
  /** Rank only these items. An id the model has never seen throws `UNKNOWN_ITEM`. */
  candidates?: string[];
}

export interface ScoredItem {
  itemId: string;
  score: number;
}

/**
 * An unknown `userId` is not an error: cold-start users get the items with the highest
 * learned item bias (popularity) — documented behaviour, not a failure.
 */
export interface RecommendationPredictor {
  readonly task: 'recommendation';
  recommend(userId: string, limit: number, options?: RecommendOptions): Promise<ScoredItem[]>;
  /** Predicted rating; unknown users or items fall back to biases / the global mean. */
  predictRating(userId: string, itemId: string): Promise<number>;
  /** Whether the user was in the training data (false: `recommend` answers with popular items). */
  knowsUser(userId: string): boolean;
}

export interface TranslateOptions {
  /** 1 = greedy. */
  beamSize?: number;
  maxLength?: number;
}

export interface TranslationPredictor {
  readonly task: 'translation';
  translate(texts: string[], options?: TranslateOptions): Promise<string[]>;
  /** True when the model reads only the head of `text` (longer than its input limit); the answer then says so. */
  inputTruncated(text: string): boolean;
}

export interface SummarizeOptions {
  maxSentences?: number;
  maxLength?: number;
}

export interface SummarizationPredictor {
  readonly task: 'summarization';
  summarize(texts: string[], options?: SummarizeOptions): Promise<string[]>;
  /** True when the model reads only the head of `text` (longer than its input limit); the answer then says so. */
  inputTruncated(text: string): boolean;
}

export interface ClassPrediction {
  label: string;
  /** Probability of `label`. */
  score: number;
  /** Probability of every label. */
  scores: Record<string, number>;
}

export interface ClassificationPredictor {
  readonly task: 'classification';
  classify(texts: string[]): Promise<ClassPrediction[]>;
  /** True when the model reads only the head of `text` (longer than its input limit); the answer then says so. */
  inputTruncated(text: string): boolean;
}

export interface PredictorsByTask {
  recommendation: RecommendationPredictor;
  translation: TranslationPredictor;
  summarization: SummarizationPredictor;
  classification: ClassificationPredictor;
}
export type AnyPredictor = PredictorsByTask[TaskName];

// ---------------------------------------------------------------------------
// The task module
// ---------------------------------------------------------------------------

/** What `init()` receives. */
export interface InitContext<Row, HP, State> {
  /** Training rows, already validated. Tokenizers / id maps are built from these. */
  train: Row[];
  hp: HP;
  rng: Rng;
  /**
   * Warm start: the parent's state, deserialized. The task copies what is compatible
   * (same vocabulary / ids) or throws `INCOMPATIBLE_PARENT`. The loop disposes the
   * parent afterwards, so `init` must copy tensors, not alias them.
   */
  parent?: State;
}

/** What `loss()` receives on each call. */
export interface StepContext {
  /** True during training (dropout on), false for validation losses. */
  training: boolean;
  /** Draw dropout seeds etc. from here; it is checkpointed with the run. */
  rng: Rng;
  step: number;
}

/** A named set of variables that can be frozen (`freeze: ['embeddings']`). */
export interface ParameterGroup {
  name: string;
  variables: tf.Variable[];
}

/**
 * One task. Type parameters: `Row` the input row, `HP` its hyperparameters, `State`
 * the trained model in memory (tokenizers, id maps, tf variables), `Batch` one
 * training batch as plain data, `P` its predictor.
 *
 * Lifecycle driven by `train()`:
 * `validateData` → `init` → per epoch: `batches` → per batch: `loss` (gradients by the
 * loop, clipped, applied to `parameterGroups` minus frozen ones) → `evaluate` on the
 * validation rows → `serialize` for checkpoints/artifact → `dispose`.
 * Inference: `deserialize` → `predictor` → `dispose`.
 */
export interface TaskModule<Row, HP extends TrainHyperparameters, State, Batch, P> {
  readonly task: TaskName;
  /** Task-specific hyperparameters (the common ones are added by the validator). */
  readonly hyperparameterSpec: HyperparameterSpec;
  /** Validation metric for early stopping / best-model selection by default. */
  readonly primaryMetric: { name: string; mode: 'min' | 'max' };
  /** When the watched metric depends on hyperparameters (e.g. a mode); overrides `primaryMetric`. */
  primaryMetricFor?(hp: HP): { name: string; mode: 'min' | 'max' };

  /** Complete hyperparameters (common + task) sensible for a training set of `nTrain` rows. */
  defaults(nTrain: number): HP;
  /** Cross-field checks after per-field validation (e.g. `minCount <= vocabSize`). Optional. */
  checkHyperparameters?(hp: HP): HyperparameterError[];

  /**
   * Throws `MlError` (EMPTY_DATASET, ONE_CLASS, BAD_DATA …) for data it cannot train on.
   * `role` says whether these rows train the model or only evaluate it
   * (eval rows may be empty; train rows may not).
   */
  validateData(rows: Row[], role: 'train' | 'eval'): void;

  init(ctx: InitContext<Row, HP, State>): State | Promise<State>;

  /** The batches of one epoch, in order, shuffled with `rng` (never tensors). */
  batches(state: State, rows: Row[], ctx: { epoch: number; rng: Rng; hp: HP }): Batch[];
  /** Number of examples in a batch (for throughput). */
  batchSize(batch: Batch): number;
  /** Mean loss of a batch as a scalar; called inside the loop's gradient tape. */
  loss(state: State, batch: Batch, ctx: StepContext): tf.Scalar;

  /** Every trainable variable, grouped; the union is what the optimizer updates when nothing is frozen. */
  parameterGroups(state: State): ParameterGroup[];

  /** Full evaluation (flat metrics + details) of the current weights on `rows`. */
  evaluate(state: State, rows: Row[]): Promise<Evaluation>;
  /** The simple baseline computed beside the model, on the same metric names where they apply. */
  baseline(train: Row[], evalRows: Row[]): Metrics;

  /** Everything needed to rebuild the state (weights, tokenizers, id maps) as files. `metadata.json` is reserved. */
  serialize(state: State): Promise<ArtifactFiles>;
  deserialize(files: ArtifactFiles, hp: HP): Promise<State>;
  /** Frees every tensor the state owns. Idempotent. */
  dispose(state: State): void;

  predictor(state: State): P;
}

/** A task module with its internal types erased, as kept in the registry. */
export type AnyTaskModule = TaskModule<unknown, TrainHyperparameters, unknown, unknown, AnyPredictor>;

/**
 * The one training loop for every task.
 *
 * `train(spec, data, callbacks)` validates hyperparameters and data, builds the model
 * (optionally warm-started from a parent artifact), then per epoch: shuffles batches
 * with the seeded RNG, takes gradient steps (LR schedule, global-norm clipping, frozen
 * groups skipped), validates every `evalEverySteps` steps and at the end of every
 * epoch, keeps the best weights by the watched metric, stops early after
 * `earlyStoppingPatience` epochs without improvement and writes a checkpoint through
 * `spec.storage` after every epoch (and when `checkpointRequested()` says so).
 *
 * `resume(checkpoint, data, callbacks)` continues from a checkpoint and ends with
 * exactly the metrics an uninterrupted run would have reached: the checkpoint holds
 * weights, optimizer moments and step, the RNG state (and the RNG state at the start of
 * the epoch, to rebuild the same batch order mid-epoch), the best weights and the
 * early-stopping counters.
 */
import * as tf from '@tensorflow/tfjs';
import { decodeVariablesModel, encodeVariablesModel, hashRows, jsonBytes, makeMetadata, METADATA_FILE, readJson } from './artifact';
import { activeBackend, initBackend } from './backend';
import { validateHyperparameters } from './hyperparameters';
import { clipByGlobalNorm, Optimizer, scheduledLearningRate } from './optimizer';
import { createRng, type SeededRng } from './random';
import { getTask } from './registry';
import {
  MlError,
  type AnyTaskModule,
  type ArtifactFiles,
  type ArtifactMetadata,
  type Evaluation,
  type Metrics,
  type Split,
  type Storage,
  type TaskName,
  type TrainCallbacks,
  type TrainHyperparameters,
} from './task';

export interface TrainSpec {
  task: TaskName;
  /** Tenant JSON; merged over the task's defaults and validated. */
  hyperparameters?: unknown;
  /** Hash of the dataset version (recorded in the artifact); computed from the rows when absent. */
  dataHash?: string;
  /** Warm start: the parent artifact's files (same task, compatible vocabulary). */
  parent?: ArtifactFiles;
  /** Where checkpoints go; none are written without it. */
  storage?: Storage;
  /** Key prefix of this run's checkpoints (default `checkpoints`). */
  checkpointPrefix?: string;
  /** Checkpoints kept (oldest deleted first); default 2. */
  keepCheckpoints?: number;
}

export interface TrainData<Row> {
  train: Row[];
  /** Validation rows for early stopping and best-model selection; the train rows are used when empty. */
  validation: Row[];
  /** Test rows for the final evaluation and baseline; the validation rows are used when absent. */
  test?: Row[];
}

export interface TrainResult {
  /** The artifact (model files + metadata.json) of the best weights. */
  artifact: ArtifactFiles;
  metadata: ArtifactMetadata;
  /** Final evaluation on the test rows (or validation rows). */
  evaluation: Evaluation;
  evaluationSplit: Split;
  baseline: Metrics;
  /** Last validation metrics of the best epoch. */
  validation: Metrics;
  stoppedEarly: boolean;
  epochsRun: number;
  steps: number;
  examplesPerSecond: number;
  seconds: number;
}

export interface CheckpointRef {
  storage: Storage;
  /** A checkpoint key (`checkpoints/epoch-0003`); the newest under `checkpoints/` when absent. */
  key?: string;
  checkpointPrefix?: string;
}

/** `loop.json` of a checkpoint. */
interface LoopState {
  task: TaskName;
  hp: TrainHyperparameters & Record<string, unknown>;
  dataHash: string;
  /** True when `dataHash` was computed from the rows here (then `resume` re-checks it). */
  dataHashComputed: boolean;
  parentDataHash?: string;
  epoch: number; // epoch in progress (0-based)
  stepInEpoch: number; // batches of `epoch` already done
  step: number;
  totalSteps: number;
  rng: number[];
  epochRng: number[];
  best: { value: number | null; epoch: number; step: number; metrics: Metrics; badEpochs: number; hasFiles: boolean };
  optimizer: { step: number; slotCounts: number[] };
  examplesSeen: number;
  seconds: number;
}

const nowSeconds = () => performance.now() / 1000;

function firstError(errors: Array<{ field: string; message: string }>): MlError {
  return new MlError('INVALID_HYPERPARAMETER', errors.map((e) => e.message).join('; '), { field: errors[0].field, details: { errors } });
}

/** Resolves and validates hyperparameters for a task and training-set size (for callers that validate before launching). */
export function resolveHyperparameters(task: TaskName, raw: unknown, nTrain: number): TrainHyperparameters & Record<string, unknown> {
  const module = getTask(task);
  const { hp, errors } = validateHyperparameters(module, raw, nTrain);
  if (!hp) throw firstError(errors);
  return hp as TrainHyperparameters & Record<string, unknown>;
}

export async function train<Row>(spec: TrainSpec, data: TrainData<Row>, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
  await initBackend(undefined, callbacks.onLog);
  const module = getTask(spec.task);
  module.validateData(data.train, 'train');
  module.validateData(data.validation, 'eval');
  if (data.test) module.validateData(data.test, 'eval');
  const hp = resolveHyperparameters(spec.task, spec.hyperparameters, data.train.length);
  const dataHash = spec.dataHash ?? hashRows(data.train);
  const rng = createRng(hp.seed);

  let parentState: unknown;
  let parentDataHash: string | undefined;
  if (spec.parent) {
    const meta = readJson<ArtifactMetadata>(spec.parent, METADATA_FILE);
    if (meta.task !== spec.task) throw new MlError('INCOMPATIBLE_PARENT', `parent is a ${meta.task} model, not ${spec.task}`, { field: 'parent' });
    parentDataHash = meta.dataHash;
    parentState = await module.deserialize(spec.parent, meta.hyperparameters);
  }
  let state: unknown;
  try {
    state = await module.init({ train: data.train, hp, rng, parent: parentState });
  } finally {
    if (parentState !== undefined) module.dispose(parentState);
  }
  const loop: LoopState = {
    task: spec.task, hp, dataHash, dataHashComputed: spec.dataHash === undefined, parentDataHash,
    epoch: 0, stepInEpoch: 0, step: 0, totalSteps: 0,
    rng: rng.state(), epochRng: rng.state(),
    best: { value: null, epoch: -1, step: 0, metrics: {}, badEpochs: 0, hasFiles: false },
    optimizer: { step: 0, slotCounts: [] },
    examplesSeen: 0, seconds: 0,
  };
  const optimizer = new Optimizer({ name: hp.optimizer, weightDecay: hp.weightDecay });
  return runLoop(module, spec, data, callbacks, state, optimizer, rng, loop, null);
}

/** Newest checkpoint key under a prefix, or null. */
export async function latestCheckpoint(storage: Storage, prefix = 'checkpoints'): Promise<string | null> {
  const keys = await storage.list(`${prefix}/`);
  const done = keys.filter((k) => k.endsWith('/loop.json')).map((k) => k.slice(0, -'/loop.json'.length)).sort();
  return done.length ? done[done.length - 1] : null;
}

export async function resume<Row>(checkpoint: CheckpointRef, data: TrainData<Row>, callbacks: TrainCallbacks = {}, overrides: Pick<TrainSpec, 'keepCheckpoints'> = {}): Promise<TrainResult> {
  await initBackend(undefined, callbacks.onLog);
  const prefix = checkpoint.checkpointPrefix ?? 'checkpoints';
  const key = checkpoint.key ?? (await latestCheckpoint(checkpoint.storage, prefix));
  if (!key) throw new MlError('BAD_ARTIFACT', `no checkpoint under "${prefix}/"`);
  const files = await readFolder(checkpoint.storage, key);
  const loop = readJson<LoopState>(files, 'loop.json');
  const module = getTask(loop.task);
  // A caller-given hash is the caller's to check; a computed one is re-checked here.
  if (loop.dataHashComputed && hashRows(data.train) !== loop.dataHash) {
    throw new MlError('BAD_DATA', 'the training rows differ from the ones the checkpointed run started with');
  }
  const modelFiles = subFiles(files, 'model/');
  const state = await module.deserialize(modelFiles, loop.hp);
  const optimizer = new Optimizer({ name: loop.hp.optimizer, weightDecay: loop.hp.weightDecay });
  const { tensors } = decodeVariablesModel<{ step: number }>(subFiles(files, 'optimizer/'), loop.task);
  const slots: tf.Tensor[][] = [];
  let idx = 0;
  for (const count of loop.optimizer.slotCounts) {
    const row: tf.Tensor[] = [];
    for (let j = 0; j < count; j++) {
      const t = tensors.get(`slot_${idx}_${j}`);
      if (!t) throw new MlError('BAD_ARTIFACT', 'checkpoint optimizer state is incomplete');
      row.push(t);
    }
    slots.push(row);
    idx++;
  }
  optimizer.restore(loop.optimizer.step, slots);
  tf.dispose([...tensors.values()]);
  const rng = createRng(0);
  rng.restore(loop.rng);
  const bestFiles = loop.best.hasFiles ? subFiles(files, 'best/') : null;
  const spec: TrainSpec = { task: loop.task, storage: checkpoint.storage, checkpointPrefix: prefix, dataHash: loop.dataHash, ...overrides };
  callbacks.onLog?.(`resuming ${loop.task} from ${key} (epoch ${loop.epoch + 1}, step ${loop.step})`);
  return runLoop(module, spec, data, callbacks, state, optimizer, rng, loop, bestFiles);
}

async function readFolder(storage: Storage, key: string): Promise<ArtifactFiles> {
  const files: ArtifactFiles = {};
  for (const k of await storage.list(`${key}/`)) files[k.slice(key.length + 1)] = await storage.read(k);
  if (!files['loop.json']) throw new MlError('BAD_ARTIFACT', `checkpoint "${key}" is incomplete (no loop.json)`);
  return files;
}

function subFiles(files: ArtifactFiles, prefix: string): ArtifactFiles {
  const out: ArtifactFiles = {};
  for (const [k, v] of Object.entries(files)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

function watchedMetric(module: AnyTaskModule, hp: TrainHyperparameters): { name: string; mode: 'min' | 'max' } {
  const primary = module.primaryMetricFor?.(hp) ?? module.primaryMetric;
  const name = hp.earlyStoppingMetric || primary.name;
  if (name === primary.name) return primary;
  const lowerIsBetter = /^(loss|rmse|mae|.*_loss)$/.test(name);
  return { name, mode: lowerIsBetter ? 'min' : 'max' };
}

function trainableVariables(module: AnyTaskModule, state: unknown, hp: TrainHyperparameters): { vars: tf.Variable[]; trainable: number; total: number } {
  const groups = module.parameterGroups(state);
  const names = groups.map((g) => g.name);
  for (const f of hp.freeze) {
    if (!names.includes(f)) throw new MlError('INVALID_HYPERPARAMETER', `freeze: unknown parameter group "${f}" (groups: ${names.join(', ')})`, { field: 'freeze' });
  }
  let frozen = new Set(hp.freeze);
  if (hp.adapterRank > 0 && frozen.size === 0) frozen = new Set(names.filter((n) => !n.startsWith('adapter')));
  const vars: tf.Variable[] = [];
  let trainable = 0, total = 0;
  for (const g of groups) {
    for (const v of g.variables) {
      total += v.size;
      if (!frozen.has(g.name)) {
        vars.push(v);
        trainable += v.size;
      }
    }
  }
  if (vars.length === 0) throw new MlError('INVALID_HYPERPARAMETER', 'every parameter group is frozen: nothing to train', { field: 'freeze' });
  return { vars, trainable, total };
}

async function runLoop<Row>(
  module: AnyTaskModule,
  spec: TrainSpec,
  data: TrainData<Row>,
  cb: TrainCallbacks,
  state: unknown,
  optimizer: Optimizer,
  rng: SeededRng,
  loop: LoopState,
  bestFilesIn: ArtifactFiles | null,
): Promise<TrainResult> {
  const hp = loop.hp;
  const validationRows = data.validation.length ? data.validation : data.train;
  const watched = watchedMetric(module, hp);
  let bestFiles = bestFilesIn;
  let stoppedEarly = false;
  const started = nowSeconds();
  const secondsBefore = loop.seconds;
  const examplesBefore = loop.examplesSeen;
  let lastYield = started;
  let lastProgress = 0;
  const prefix = spec.checkpointPrefix ?? 'checkpoints';
  const log = (m: string) => cb.onLog?.(m);

  try {
    const { vars, trainable, total } = trainableVariables(module, state, hp);
    log(`${module.task}: ${trainable} trainable of ${total} parameters on ${activeBackend()}`);

    const emit = async (name: string, split: Split, value: number) => {
      if (cb.onMetric) await cb.onMetric({ name, split, step: loop.step, epoch: loop.epoch + 1, value });
    };
    const validate = async (): Promise<Metrics> => {
      const { metrics } = await module.evaluate(state, validationRows);
      for (const [name, value] of Object.entries(metrics)) await emit(name, 'validation', value);
      return metrics;
    };
    const checkCancel = () => {
      if (cb.signal?.aborted || cb.shouldStop?.()) throw new MlError('CANCELLED', 'training was cancelled');
    };
    const progress = async (force: boolean) => {
      const t = nowSeconds();
      if (!cb.onProgress || (!force && t - lastProgress < 0.2)) return;
      lastProgress = t;
      const doneNow = loop.step;
      const elapsed = loop.seconds + (t - started) - secondsBefore;
      const perStep = doneNow > 0 ? elapsed / doneNow : null;
      await cb.onProgress({
        // 1-based epoch in progress; after the last epoch ends it stays at the last (never "epoch 4 of 3").
        step: loop.step, totalSteps: loop.totalSteps, epoch: Math.min(loop.epoch + 1, hp.epochs), totalEpochs: hp.epochs,
        etaSeconds: perStep === null ? null : Math.max(0, (loop.totalSteps - loop.step) * perStep),
      });
    };
    const checkpoint = async () => {
      if (!spec.storage) return;
      loop.seconds = secondsBefore + (nowSeconds() - started);
      const key = `${prefix}/epoch-${String(loop.epoch).padStart(4, '0')}-step-${String(loop.step).padStart(9, '0')}`;
      const files: ArtifactFiles = {};
      for (const [k, v] of Object.entries(await module.serialize(state))) files[`model/${k}`] = v;
      const opt = optimizer.state();
      const named: Array<{ name: string; tensor: tf.Tensor }> = [];
      opt.slots.forEach((row, i) => row.forEach((t, j) => named.push({ name: `slot_${i}_${j}`, tensor: t })));
      for (const [k, v] of Object.entries(await encodeVariablesModel(loop.task, { step: opt.step }, named))) files[`optimizer/${k}`] = v;
      loop.optimizer = { step: opt.step, slotCounts: opt.slots.map((r) => r.length) };
      loop.rng = rng.state();
      loop.best.hasFiles = bestFiles !== null;
      if (bestFiles) for (const [k, v] of Object.entries(bestFiles)) files[`best/${k}`] = v;
      for (const [k, v] of Object.entries(files)) await spec.storage.write(`${key}/${k}`, v);
      await spec.storage.write(`${key}/loop.json`, jsonBytes(loop)); // last: marks the checkpoint complete
      await pruneCheckpoints(spec.storage, prefix, spec.keepCheckpoints ?? 2);
      if (cb.onCheckpoint) await cb.onCheckpoint({ key, epoch: loop.epoch + 1, step: loop.step });
    };

    const totalEpochs = hp.epochs;
    while (loop.epoch < totalEpochs) {
      // Rebuild this epoch's batch order from the RNG state at its start (exact on resume mid-epoch).
      const resumeRng = loop.stepInEpoch > 0 ? rng.state() : null;
      if (loop.stepInEpoch > 0) rng.restore(loop.epochRng);
      else loop.epochRng = rng.state();
      const batches = module.batches(state, data.train, { epoch: loop.epoch, rng, hp });
      if (resumeRng) rng.restore(resumeRng);
      if (loop.totalSteps === 0) loop.totalSteps = batches.length * totalEpochs;

      let lossSum: tf.Scalar = tf.scalar(0);
      let lossCount = 0;
      try {
        for (let b = loop.stepInEpoch; b < batches.length; b++) {
          checkCancel();
          const batch = batches[b];
          const step = loop.step + 1;
          const lr = scheduledLearningRate(hp.learningRate, hp.lrSchedule, step, loop.totalSteps, hp.warmupSteps);
          const { value, grads } = tf.variableGrads(() => module.loss(state, batch, { training: true, rng, step }), vars);
          const list = vars.map((v) => grads[v.name]);
          if (hp.clipNorm > 0) {
            const clipped = clipByGlobalNorm(list, hp.clipNorm);
            optimizer.apply(vars, clipped, lr);
            tf.dispose(clipped);
          } else {
            optimizer.apply(vars, list, lr);
          }
          tf.dispose(grads);
          const next = tf.tidy(() => lossSum.add(value)) as tf.Scalar;
          lossSum.dispose();
          value.dispose();
          lossSum = next;
          lossCount++;
          loop.step = step;
          loop.stepInEpoch = b + 1;
          loop.examplesSeen += module.batchSize(batch);

          if (hp.evalEverySteps > 0 && step % hp.evalEverySteps === 0 && b + 1 < batches.length) {
            const mean = (await lossSum.data())[0] / lossCount;
            if (!Number.isFinite(mean)) throw new MlError('DIVERGED', `training loss became ${mean} at step ${step}; lower learningRate or set clipNorm`);
            await emit('loss', 'train', mean);
            await validate();
          }
          await progress(false);
          if (cb.checkpointRequested?.() && b + 1 < batches.length) await checkpoint();
          const t = nowSeconds();
          if (t - lastYield > 0.1) {
            lastYield = t;
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
        }
        const meanLoss = lossCount > 0 ? (await lossSum.data())[0] / lossCount : NaN;
        if (lossCount > 0 && !Number.isFinite(meanLoss)) {
          throw new MlError('DIVERGED', `training loss became ${meanLoss} in epoch ${loop.epoch + 1}; lower learningRate or set clipNorm`);
        }
        if (lossCount > 0) await emit('loss', 'train', meanLoss);
      } finally {
        lossSum.dispose();
      }

      const metrics = await validate();
      const value = metrics[watched.name];
      if (value === undefined) throw new MlError('INVALID_HYPERPARAMETER', `earlyStoppingMetric "${watched.name}" is not reported by ${module.task} (metrics: ${Object.keys(metrics).join(', ')})`, { field: 'earlyStoppingMetric' });
      const improved = loop.best.value === null || (watched.mode === 'min' ? value < loop.best.value : value > loop.best.value);
      const isLast = loop.epoch + 1 >= totalEpochs;
      if (improved) {
        loop.best = { value, epoch: loop.epoch, step: loop.step, metrics, badEpochs: 0, hasFiles: false };
        // The best weights are the current ones; copy them only when a later epoch may differ.
        bestFiles = isLast ? null : await module.serialize(state);
      } else {
        loop.best.badEpochs += 1;
      }
      loop.epoch += 1;
      loop.stepInEpoch = 0;
      await progress(true);
      if (hp.earlyStoppingPatience > 0 && loop.best.badEpochs >= hp.earlyStoppingPatience && loop.epoch < totalEpochs) {
        stoppedEarly = true;
        log(`early stopping after epoch ${loop.epoch}: ${watched.name} has not improved for ${loop.best.badEpochs} epochs (best ${loop.best.value} at epoch ${loop.best.epoch + 1})`);
      }
      await checkpoint();
      if (stoppedEarly) break;
    }

    loop.seconds = secondsBefore + (nowSeconds() - started);
    // Final model: the best epoch's weights.
    let finalState = state;
    let ownsFinal = false;
    if (bestFiles && loop.best.epoch !== loop.epoch - 1) {
      finalState = await module.deserialize(bestFiles, hp);
      ownsFinal = true;
    }
    try {
      const evalSplit: Split = data.test ? 'test' : 'validation';
      const evalRows = data.test ?? validationRows;
      const evaluation = await module.evaluate(finalState, evalRows);
      const baseline = module.baseline(data.train, evalRows);
      const params = trainableVariables(module, finalState, hp);
      const metadata = makeMetadata({
        task: module.task, hyperparameters: hp, dataHash: loop.dataHash, backend: activeBackend(),
        metrics: evaluation.metrics, metricDetails: evaluation.details, baseline,
        params: { trainable: params.trainable, total: params.total },
        bestEpoch: loop.best.epoch + 1, steps: loop.step,
        ...(loop.parentDataHash ? { parentDataHash: loop.parentDataHash } : {}),
      });
      const artifact = { ...(await module.serialize(finalState)), [METADATA_FILE]: jsonBytes(metadata) };
      const trainSeconds = loop.seconds - secondsBefore;
      return {
        artifact, metadata, evaluation, evaluationSplit: evalSplit, baseline, validation: loop.best.metrics,
        stoppedEarly, epochsRun: loop.epoch, steps: loop.step,
        examplesPerSecond: trainSeconds > 0 ? (loop.examplesSeen - examplesBefore) / trainSeconds : 0,
        seconds: loop.seconds,
      };
    } finally {
      if (ownsFinal) module.dispose(finalState);
    }
  } finally {
    optimizer.dispose();
    module.dispose(state);
  }
}

async function pruneCheckpoints(storage: Storage, prefix: string, keep: number): Promise<void> {
  const keys = await storage.list(`${prefix}/`);
  const complete = [...new Set(keys.filter((k) => k.endsWith('/loop.json')).map((k) => k.slice(0, -'/loop.json'.length)))].sort();
  const drop = new Set(complete.slice(0, Math.max(0, complete.length - keep)));
  for (const k of keys) {
    const folder = k.split('/').slice(0, 2).join('/');
    if (drop.has(folder)) await storage.delete(k);
  }
}

/** Evaluates an artifact on rows, with its baseline (the `tuneforge eval` path). */
export async function evaluateArtifact<Row>(files: ArtifactFiles, train: Row[], rows: Row[]): Promise<{ evaluation: Evaluation; baseline: Metrics }> {
  await initBackend();
  const meta = readJson<ArtifactMetadata>(files, METADATA_FILE);
  const module = getTask(meta.task);
  module.validateData(rows, 'eval');
  const state = await module.deserialize(files, meta.hyperparameters);
  try {
    return { evaluation: await module.evaluate(state, rows), baseline: train.length ? module.baseline(train, rows) : {} };
  } finally {
    module.dispose(state);
  }
}

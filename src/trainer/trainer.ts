/**
 * `tuneforge trainer`: trains one attempt of one run over the internal HTTP protocol
 * (`README.md` beside this file). The same program runs as a local child process and as a
 * Kubernetes Job pod; it has no database credentials.
 *
 * Outcome → exit code:
 * - trained: artifact uploaded, `POST /complete` → 0
 * - bad data / hyperparameters (`MlError`): `POST /fail {retryable: false}` → 0
 * - cancelled (`{cancel: true}` from a heartbeat) → 0, nothing more is reported
 * - refused (401 / 409 SUPERSEDED) → 0, nothing more is sent: the API has already decided
 * - anything else: best-effort `POST /fail {retryable: true}` → 1
 *
 * Lines go to stdout/stderr (the local executor turns them into run events); the run token is
 * never printed.
 */
import { isMlError, MlError, type TrainCallbacks } from '../ml/task';
import { resume, train, type TrainResult } from '../ml/train';
import { packArtifact, unpackArtifact } from './artifact-pack';
import { checkpointKey, ProtocolStorage } from './checkpoint-storage';
import { mlTaskName, readDataset } from './dataset-rows';
import { RunReporter } from './run-reporter';
import { RefusedError, TrainerClient, type RunSpec, type TrainerConnection } from './trainer-client';

export interface TrainerOutput {
  info(line: string): void;
  error(line: string): void;
}

const consoleOutput: TrainerOutput = {
  info: (line) => process.stdout.write(`${line}\n`),
  error: (line) => process.stderr.write(`${line}\n`),
};

interface TrainerSettings extends TrainerConnection {
  heartbeatMs: number;
}

function readSettings(env: NodeJS.ProcessEnv): TrainerSettings | string {
  const missing = ['TUNEFORGE_API_URL', 'TUNEFORGE_RUN_ID', 'TUNEFORGE_RUN_ATTEMPT', 'TUNEFORGE_RUN_TOKEN'].filter((k) => !env[k]);
  if (missing.length) return `missing ${missing.join(', ')}`;
  const attempt = Number(env.TUNEFORGE_RUN_ATTEMPT);
  if (!Number.isInteger(attempt) || attempt < 1) return 'TUNEFORGE_RUN_ATTEMPT must be a positive integer';
  const heartbeatSeconds = env.TUNEFORGE_HEARTBEAT_SECONDS ? Number(env.TUNEFORGE_HEARTBEAT_SECONDS) : 5;
  if (!(heartbeatSeconds > 0 && heartbeatSeconds <= 3600)) return 'TUNEFORGE_HEARTBEAT_SECONDS must be a number of seconds in (0, 3600]';
  return {
    apiUrl: env.TUNEFORGE_API_URL!, runId: env.TUNEFORGE_RUN_ID!, attempt, token: env.TUNEFORGE_RUN_TOKEN!,
    heartbeatMs: heartbeatSeconds * 1000,
  };
}

/** `spec.checkpoint.key` as a storage prefix: accepts `checkpoints/epoch-…`, its flat name, or a key ending in `loop.json`. */
function checkpointPrefix(key: string | null | undefined): string | undefined {
  if (!key) return undefined; // the newest complete checkpoint
  return checkpointKey(key).replace(/\/loop\.json$/, '').replace(/\/+$/, '');
}

/** The run's seed goes into the hyperparameters unless they name one themselves. */
function hyperparametersOf(spec: RunSpec): unknown {
  const hp = spec.hyperparameters ?? {};
  if (typeof spec.seed === 'number' && typeof hp === 'object' && hp !== null && !Array.isArray(hp) && !('seed' in hp)) return { seed: spec.seed, ...hp };
  return hp;
}

/** Runs the trainer; resolves to the process exit code. */
export async function runTrainer(env: NodeJS.ProcessEnv = process.env, out: TrainerOutput = consoleOutput): Promise<number> {
  const settings = readSettings(env);
  if (typeof settings === 'string') {
    out.error(`trainer: ${settings}`);
    return 1;
  }
  /** Aborts every request: the API refused this attempt. */
  const refused = new AbortController();
  /** Stops training (and the dataset download): cancelled or refused. */
  const cancelled = new AbortController();
  const client = new TrainerClient(settings, refused.signal);
  const say = (level: 'info' | 'warn' | 'error', message: string) => (level === 'info' ? out.info : out.error)(`trainer: ${client.scrub(message)}`);
  const reporter = new RunReporter(client, {
    heartbeatMs: settings.heartbeatMs,
    onCancel: () => {
      if (!cancelled.signal.aborted) say('info', 'the run was cancelled; stopping');
      cancelled.abort(new MlError('CANCELLED', 'the run was cancelled'));
    },
    onRefused: (e) => {
      say('warn', `${e.message}; stopping without reporting`);
      refused.abort(e);
      cancelled.abort(e);
    },
    log: say,
  });
  const stopSignal = cancelled.signal;

  try {
    say('info', `run ${settings.runId} attempt ${settings.attempt}: starting`);
    await reporter.start();
    stopSignal.throwIfAborted();
    const spec = await client.spec();
    const task = mlTaskName(spec.task);
    const data = await readDataset(task, client.dataset(stopSignal));
    say('info', `dataset: ${data.train.length} train, ${data.validation.length} validation, ${data.test?.length ?? 0} test rows`);
    const storage = new ProtocolStorage(client);
    const callbacks: TrainCallbacks = {
      signal: stopSignal,
      onMetric: (point) => reporter.metric(point),
      onProgress: (progress) => reporter.progress(progress),
      // The ML core numbers a checkpoint by the epoch a resume starts in (1-based); the trainer never asks for
      // mid-epoch checkpoints, so every one follows a finished epoch and the API is told how many are done.
      onCheckpoint: (info) => reporter.event('info', `checkpoint saved after epoch ${info.epoch - 1}, step ${info.step}`, {
        checkpoint: { key: info.key, epoch: info.epoch - 1, step: info.step },
      }),
      onLog: (message) => {
        say('info', message);
        void reporter.event('info', message);
      },
    };
    let result: TrainResult;
    if (spec.checkpoint) {
      result = await resume({ storage, key: checkpointPrefix(spec.checkpoint.key) }, data, callbacks);
    } else {
      const parent = spec.parent ? await unpackArtifact(await client.parent(stopSignal)) : undefined;
      result = await train({ task, hyperparameters: hyperparametersOf(spec), dataHash: spec.dataset.sha256, parent, storage }, data, callbacks);
    }
    await reporter.flush();
    stopSignal.throwIfAborted();
    await client.putArtifact(await packArtifact(result.artifact));
    await client.complete({
      evaluation: {
        split: result.evaluationSplit, metrics: result.evaluation.metrics, baseline: result.baseline,
        ...(result.evaluation.details ? { details: result.evaluation.details } : {}),
      },
      backend: result.metadata.backend,
      examplesPerSecond: result.examplesPerSecond,
      epochs: result.epochsRun,
      steps: result.steps,
    });
    say('info', `completed: ${result.epochsRun} epochs, ${result.steps} steps, ${JSON.stringify(result.evaluation.metrics)}`);
    return 0;
  } catch (e) {
    if (refused.signal.aborted || e instanceof RefusedError) {
      if (!refused.signal.aborted) {
        say('warn', `${(e as Error).message}; stopping without reporting`);
        refused.abort(e);
      }
      return 0;
    }
    if (stopSignal.aborted) {
      await reporter.flush().catch(() => undefined);
      return 0;
    }
    const expected = isMlError(e);
    const error = e as Error;
    say('error', expected ? `failed: ${(e as MlError).code}: ${error.message}` : `unexpected error: ${error.stack ?? error.message}`);
    try {
      await reporter.flush();
      await client.fail(expected
        ? { code: (e as MlError).code, message: error.message, retryable: false }
        : { code: 'TRAINER_ERROR', message: error.message || String(e), retryable: true });
    } catch (reportError) {
      if (reportError instanceof RefusedError) return 0;
      say('error', `could not report the failure: ${(reportError as Error).message}`);
      return 1;
    }
    return expected ? 0 : 1;
  } finally {
    await reporter.stop();
  }
}

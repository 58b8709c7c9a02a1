import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EntityManager } from 'typeorm';
import { safeEqualHex, sha256 } from '../auth/secrets';
import { Database } from '../db/database';
import { Dataset } from '../datasets/dataset.entity';
import { createVersion } from '../models/model-registry.service';
import { ModelVersion } from '../models/model-version.entity';
import { BlobStore } from '../storage/blob-store';
import { RunDispatcher } from './run-dispatcher';
import { ACTIVE } from './run-status';
import { RunEvaluation, RunProgress, TrainingRun } from './training-run.entity';
import {
  addEvent,
  closeAttempt,
  countGpuTime,
  insertMetrics,
  listCheckpoints,
  lockRun,
  notifyRun,
  sliceUsage,
  startCounting,
  transition,
  upsertCheckpoint,
} from './training-run.repository';

/** Why a trainer request is refused: 401 bad token; 409 the attempt was superseded or the run ended; 413 an upload over the limit. */
export class TrainerRefused extends Error {
  constructor(readonly status: 401 | 409 | 404 | 400 | 413, readonly code: string, message: string) {
    super(message);
  }
}

export interface TrainerIdentity {
  runId: string;
  tenantId: string;
  attempt: number;
}

export interface MetricPointInput {
  name: string;
  split: string;
  step: number;
  epoch: number;
  value: number;
}

export interface CompleteInput {
  evaluation: RunEvaluation;
  backend: string;
  examplesPerSecond?: number;
  epochs?: number;
  steps?: number;
}

const NAME = /^[A-Za-z0-9._-]{1,200}$/;
const checkpointKey = (t: string, run: string, name: string) => `tenants/${t}/runs/${run}/checkpoints/${name}`;
export const artifactKey = (t: string, run: string, attempt: number) => `tenants/${t}/runs/${run}/attempt-${attempt}/artifact.tar`;

/**
 * The API's side of the trainer protocol (src/trainer/README.md). The run token authorises one
 * attempt of one run; every state change happens here under the run's row lock, and GPU time
 * is counted from accepted heartbeats, never from what the trainer claims.
 */
export class TrainerGateway {
  constructor(
    private readonly db: Database,
    private readonly blobs: BlobStore,
    private readonly dispatcher: RunDispatcher,
    private readonly settings: { heartbeatSeconds: number; usageSliceSeconds: number; uploadMaxBytes: number },
  ) {}

  /** Checks the token of a request. `allowCancelled` lets a heartbeat learn that the run was cancelled. */
  async identify(runId: string, token: string, attempt: number, allowCancelled = false): Promise<TrainerIdentity & { cancelled: boolean }> {
    if (!/^[0-9a-f-]{36}$/.test(runId)) throw new TrainerRefused(401, 'UNAUTHENTICATED', 'invalid run token');
    const rows: { tenant_id: string; attempt: number; status: string; token_hash: string | null }[] = await this.db.dataSource.query(
      `SELECT tenant_id, attempt, status, token_hash FROM training_runs WHERE id = $1`,
      [runId],
    );
    const row = rows[0];
    if (!row || !row.token_hash || !safeEqualHex(row.token_hash, sha256(token))) throw new TrainerRefused(401, 'UNAUTHENTICATED', 'invalid or expired run token');
    if (row.attempt === attempt && row.status === 'CANCELLED' && allowCancelled) return { runId, tenantId: row.tenant_id, attempt, cancelled: true };
    if (row.attempt !== attempt || !ACTIVE.has(row.status as TrainingRun['status'])) {
      throw new TrainerRefused(409, 'SUPERSEDED', `attempt ${attempt} is no longer current (run is ${row.status}, attempt ${row.attempt})`);
    }
    return { runId, tenantId: row.tenant_id, attempt, cancelled: false };
  }

  private async withRun<T>(id: TrainerIdentity, fn: (m: EntityManager, run: TrainingRun) => Promise<T>): Promise<T> {
    return this.db.withTenant({ tenantId: id.tenantId }, async (m) => {
      const run = await lockRun(m, id.runId);
      if (!run || run.attempt !== id.attempt || !ACTIVE.has(run.status)) throw new TrainerRefused(409, 'SUPERSEDED', 'this attempt is no longer current');
      return fn(m, run);
    });
  }

  async spec(id: TrainerIdentity) {
    return this.db.withTenant({ tenantId: id.tenantId }, async (m) => {
      const run = await m.findOneByOrFail(TrainingRun, { id: id.runId });
      const dataset = run.datasetId ? await m.findOneBy(Dataset, { id: run.datasetId }) : null;
      // The newest checkpoint the trainer announced as complete (its event), else let the trainer pick the newest complete one.
      const [announced]: { checkpoint: { key: string | null; epoch: number | null; step: number | null } }[] = await m.query(
        `SELECT data->'checkpoint' AS checkpoint FROM run_events WHERE run_id = $1 AND data ? 'checkpoint' ORDER BY id DESC LIMIT 1`,
        [run.id],
      );
      const stored = (await listCheckpoints(m, run.id)).length > 0;
      return {
        runId: run.id,
        attempt: run.attempt,
        task: run.task,
        hyperparameters: run.hyperparameters,
        dataset: dataset ? { sha256: dataset.sha256, rowCount: dataset.rowCount } : null,
        parent: run.parentVersionId ? { versionId: run.parentVersionId } : null,
        checkpoint: announced?.checkpoint ?? (stored ? { key: null, epoch: null, step: null } : null),
      };
    });
  }

  async dataset(id: TrainerIdentity): Promise<Readable> {
    return this.db.withTenant({ tenantId: id.tenantId }, async (m) => {
      const run = await m.findOneByOrFail(TrainingRun, { id: id.runId });
      const dataset = run.datasetId ? await m.findOneBy(Dataset, { id: run.datasetId }) : null;
      if (!dataset?.blobKey) throw new TrainerRefused(404, 'NOT_FOUND', 'the run\'s dataset is gone');
      return this.blobs.read(dataset.blobKey).catch(() => Promise.reject(new TrainerRefused(404, 'NOT_FOUND', 'the run\'s dataset file is missing')));
    });
  }

  async parentArtifact(id: TrainerIdentity): Promise<Readable> {
    return this.db.withTenant({ tenantId: id.tenantId }, async (m) => {
      const run = await m.findOneByOrFail(TrainingRun, { id: id.runId });
      const parent = run.parentVersionId ? await m.findOneBy(ModelVersion, { id: run.parentVersionId }) : null;
      if (!parent?.artifactKey) throw new TrainerRefused(404, 'NOT_FOUND', 'the run has no parent version with an artifact');
      return this.blobs.read(parent.artifactKey).catch(() => Promise.reject(new TrainerRefused(404, 'NOT_FOUND', 'the parent version\'s artifact is missing')));
    });
  }

  /** Accepts a heartbeat: the first moves the run to RUNNING; each counts GPU time since the last. */
  async heartbeat(id: TrainerIdentity, progress: RunProgress | null): Promise<{ cancel: boolean }> {
    await this.withRun(id, async (m, run) => {
      if (run.status === 'PROVISIONING') {
        await startCounting(m, run);
        await transition(m, run, 'RUNNING', `attempt ${run.attempt} is running`, { started_at: run.startedAt ?? new Date(), last_heartbeat_at: new Date(), ...(progress ? { progress } : {}) });
        return;
      }
      await countGpuTime(m, run, this.settings.heartbeatSeconds * 3);
      await sliceUsage(m, run, { final: false, everySeconds: this.settings.usageSliceSeconds });
      await m.query(`UPDATE training_runs SET last_heartbeat_at = clock_timestamp()${progress ? ', progress = $2' : ''} WHERE id = $1`, progress ? [run.id, progress] : [run.id]);
    });
    return { cancel: false };
  }

  async metrics(id: TrainerIdentity, points: MetricPointInput[], progress: RunProgress | null): Promise<number> {
    const valid = points.filter((p) => typeof p.name === 'string' && typeof p.split === 'string' && Number.isFinite(p.value) && Number.isInteger(p.step) && Number.isInteger(p.epoch)).slice(0, 10_000);
    await this.withRun(id, async (m, run) => {
      await insertMetrics(m, run, valid);
      if (progress) await m.query(`UPDATE training_runs SET progress = $2 WHERE id = $1`, [run.id, progress]);
      // NOTIFY payloads are limited to 8000 bytes: send points in small groups.
      for (let i = 0; i < valid.length; i += 40) await notifyRun(m, { tenantId: run.tenantId, runId: run.id, kind: 'metrics', points: valid.slice(i, i + 40) });
    });
    return valid.length;
  }

  async event(id: TrainerIdentity, level: string, message: string, data: Record<string, unknown> | null): Promise<void> {
    const lvl = level === 'warn' || level === 'error' ? level : 'info';
    await this.withRun(id, (m, run) => addEvent(m, run, lvl, String(message).slice(0, 2000), data));
  }

  /** `declaredBytes`: the request's Content-Length, if it has one (an upload over the limit is then refused before a byte is read). */
  async putCheckpoint(id: TrainerIdentity, name: string, body: Readable, declaredBytes: number | null): Promise<string> {
    if (!NAME.test(name)) throw new TrainerRefused(400, 'BAD_REQUEST', 'checkpoint names use letters, digits, ".", "_" and "-"');
    const bytes = await this.store(body, declaredBytes, checkpointKey(id.tenantId, id.runId, name));
    await this.withRun(id, (m, run) => upsertCheckpoint(m, run, name, checkpointKey(id.tenantId, id.runId, name), bytes));
    return name;
  }

  async getCheckpoint(id: TrainerIdentity, name: string): Promise<Readable> {
    if (!NAME.test(name)) throw new TrainerRefused(404, 'NOT_FOUND', 'no such checkpoint');
    const names = await this.checkpointNames(id);
    if (!names.includes(name)) throw new TrainerRefused(404, 'NOT_FOUND', 'no such checkpoint');
    return this.blobs.read(checkpointKey(id.tenantId, id.runId, name)).catch(() => Promise.reject(new TrainerRefused(404, 'NOT_FOUND', 'no such checkpoint')));
  }

  async checkpointNames(id: TrainerIdentity): Promise<string[]> {
    return this.db.withTenant({ tenantId: id.tenantId }, async (m) => (await listCheckpoints(m, id.runId)).map((c) => c.name));
  }

  async putArtifact(id: TrainerIdentity, body: Readable, declaredBytes: number | null): Promise<void> {
    await this.store(body, declaredBytes, artifactKey(id.tenantId, id.runId, id.attempt));
  }

  /**
   * Streams an upload into a temporary blob and commits it under `key`; returns its size. A body
   * cut off half way (the trainer died, the connection dropped) is refused and its temporary blob
   * deleted (a failure after the whole body was read is the store's, and rethrown). One larger
   * than `uploadMaxBytes` is refused with 413: at once when its Content-Length says so, else as
   * soon as it passes the limit (the connection is then cut).
   */
  private async store(body: Readable, declaredBytes: number | null, key: string): Promise<number> {
    const max = this.settings.uploadMaxBytes;
    const tooLarge = () => new TrainerRefused(413, 'TOO_LARGE', `the upload is larger than the limit of ${max} bytes (TRAINER_UPLOAD_MAX_BYTES)`);
    if (declaredBytes !== null && declaredBytes > max) throw tooLarge();
    const temp = this.blobs.createTemp();
    let bytes = 0;
    let over = false;
    body.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > max && !over) {
        over = true;
        body.destroy(tooLarge());
      }
    });
    try {
      // pipeline, not pipe: when the body fails, pipe leaves the blob's stream (and its file) open forever.
      await pipeline(body, temp.stream);
    } catch (err) {
      await this.blobs.delete(temp.key).catch(() => undefined);
      if (over) throw tooLarge();
      if (body.readableEnded) throw err;
      throw new TrainerRefused(400, 'BAD_REQUEST', `upload interrupted after ${bytes} bytes (${(err as Error).message})`);
    }
    await this.blobs.commit(temp.key, key);
    return bytes;
  }

  /** Succeeds the run: closes its GPU time, registers the model version, all in one transaction. */
  async complete(id: TrainerIdentity, input: CompleteInput): Promise<void> {
    const key = artifactKey(id.tenantId, id.runId, id.attempt);
    const artifactBytes = await this.blobs.size(key);
    if (artifactBytes === null) throw new TrainerRefused(400, 'BAD_REQUEST', 'PUT /artifact before /complete');
    await this.withRun(id, async (m, run) => {
      if (run.status !== 'RUNNING') throw new TrainerRefused(409, 'SUPERSEDED', `the run is ${run.status}`);
      await closeAttempt(m, run, 'succeeded', this.settings.heartbeatSeconds * 3);
      const { version: next } = await createVersion(m, { run, evaluation: input.evaluation as unknown as Record<string, unknown>, artifact: { key, bytes: artifactBytes } });
      await transition(m, run, 'SUCCEEDED', `run succeeded: version ${next} registered`, {
        finished_at: new Date(),
        token_hash: null,
        evaluation: input.evaluation,
        backend: String(input.backend ?? 'unknown').slice(0, 100),
      });
    });
  }

  /** The trainer gave up: requeue when retryable and attempts remain, else fail with its reason. */
  async fail(id: TrainerIdentity, code: string, message: string, retryable: boolean): Promise<void> {
    await this.withRun(id, async (m, run) => {
      const reason = `${code}: ${String(message).slice(0, 1000)}`;
      if (!retryable) {
        await closeAttempt(m, run, 'failed', this.settings.heartbeatSeconds * 3);
        await transition(m, run, 'FAILED', `run failed: ${reason}`, { finished_at: new Date(), token_hash: null, error: { code, message: String(message).slice(0, 1000) } }, 'error');
      } else {
        await this.dispatcher.endAttempt(m, run, reason, true);
      }
    });
  }
}

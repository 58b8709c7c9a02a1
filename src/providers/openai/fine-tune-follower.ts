import OpenAI from 'openai';
import { Logger } from 'pino';
import { EntityManager } from 'typeorm';
import { AppError } from '../../common/errors';
import { Database } from '../../db/database';
import { Dataset } from '../../datasets/dataset.entity';
import { RunStatus, TERMINAL } from '../../training/run-status';
import { ProviderRunState, RunProgress, TrainingRun } from '../../training/training-run.entity';
import { addEvent, insertMetrics, lockRun, notifyRun, transition } from '../../training/training-run.repository';
import { FineTuneOutcome } from './fine-tune-outcome';
import { OpenAiFineTuning } from './fine-tune.service';
import { mapJobStatus, metricPoints, MirroredMetric, pathTo, progressOf, stepsPerEpochOf } from './fine-tuning';
import { OpenAiClients } from './openai-client';
import { describeOpenAiError } from './openai-calls';

type Job = OpenAI.FineTuning.Jobs.FineTuningJob;
type JobEvent = OpenAI.FineTuning.Jobs.FineTuningJobEvent;

export interface FollowerSettings {
  intervalMs: number;
  /** The deployment's run queue: a follower follows the runs launched into it (like the reaper). */
  queue: string;
  /** How long a claimed run is this follower's before another replica may take it over. */
  leaseSeconds: number;
  /** Transient failures in a row (OpenAI unreachable, 429/5xx after the client's retries) before a run fails. */
  maxFailures: number;
}

/** HTTP statuses worth asking again later; any other OpenAI answer is final. */
const transient = (err: unknown) =>
  !(err instanceof OpenAI.APIError) || err instanceof OpenAI.APIConnectionError || err.status === undefined || err.status === 408 || err.status === 409 || err.status === 429 || err.status >= 500;

/**
 * Follows OpenAI fine-tuning runs, with all its state in Postgres so any replica (or a restarted
 * one) carries on where another stopped. Every tick it claims due runs with a lease
 * (`provider_lease_until`, taken with FOR UPDATE SKIP LOCKED, so two replicas never follow the
 * same run at once; the lease is also the run's next poll time), then per run: submits a QUEUED
 * run (upload + create job), or retrieves its job, mirrors new job events into run events and
 * metric points (the cursor saved in the same transaction, provider event ids unique per run),
 * moves the run's status and, on success, registers the version (FineTuneOutcome).
 */
export class FineTuneFollower {
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<unknown> | null = null;
  private stopped = true;

  constructor(
    private readonly db: Database,
    private readonly clients: OpenAiClients,
    private readonly fineTuning: OpenAiFineTuning,
    private readonly outcome: FineTuneOutcome,
    private readonly settings: FollowerSettings,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling, waits for the tick in progress, and hands its leases back so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((err) => this.log.warn({ err }, 'OpenAI fine-tune follower tick failed'))
        .finally(() => {
          this.ticking = null;
          this.schedule(this.settings.intervalMs);
        });
    }, ms);
    this.timer.unref();
  }

  /** One round: claim the due runs of this deployment and follow each. Returns how many were followed. */
  async tick(): Promise<number> {
    const claimed: { id: string; tenant_id: string }[] = (await this.db.dataSource.query(
      `UPDATE training_runs SET provider_lease_until = clock_timestamp() + make_interval(secs => $2)
        WHERE id IN (SELECT id FROM training_runs
                      WHERE provider = 'openai' AND queue = $1
                        AND (status IN ('QUEUED', 'PROVISIONING', 'RUNNING') OR provider_state ? 'cancelPending'
                             OR (provider_state ? 'trainingFileId' AND NOT provider_state ? 'filesDeleted'))
                        AND (provider_lease_until IS NULL OR provider_lease_until <= clock_timestamp())
                      ORDER BY provider_lease_until NULLS FIRST, created_at LIMIT 20
                      FOR UPDATE SKIP LOCKED)
        RETURNING id, tenant_id`,
      [this.settings.queue, this.settings.leaseSeconds],
    ))[0];
    for (const row of claimed) {
      if (this.stopped) {
        await this.release(row.id, 0);
        continue;
      }
      try {
        await this.follow(row.tenant_id, row.id);
      } catch (err) {
        this.log.error({ err, runId: row.id, tenantId: row.tenant_id }, 'following an OpenAI run failed');
      }
      await this.release(row.id, this.stopped ? 0 : this.settings.intervalMs / 1000).catch(() => undefined);
    }
    return claimed.length;
  }

  /** Ends this follower's lease: the run is due again in `seconds`. */
  private async release(runId: string, seconds: number): Promise<void> {
    await this.db.dataSource.query(`UPDATE training_runs SET provider_lease_until = clock_timestamp() + make_interval(secs => $2) WHERE id = $1`, [runId, seconds]);
  }

  /** One look at one run. OpenAI failures that may pass are counted and retried next time; final ones fail the run. */
  async follow(tenantId: string, runId: string): Promise<void> {
    const loaded = await this.db.withTenant({ tenantId }, async (m) => {
      const run = await m.findOneBy(TrainingRun, { id: runId });
      if (!run) return null;
      const dataset = run.datasetId ? await m.findOneBy(Dataset, { id: run.datasetId }) : null;
      let client: OpenAI | null = null;
      try {
        client = await this.clients.forTenant(m, tenantId);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
      }
      return { run, client, blobKey: dataset?.blobKey ?? null };
    });
    if (!loaded) return;
    const { run, client, blobKey } = loaded;
    if (!client) {
      const files = [run.providerState?.trainingFileId, run.providerState?.validationFileId].filter((id): id is string => Boolean(id));
      // Ended: nothing more can be asked of OpenAI without a key (a pending cancel, the files' deletion).
      if (TERMINAL.has(run.status)) await this.giveUpOnFiles(run, files, 'the tenant\'s OpenAI key was removed');
      else await this.end(run, 'FAILED', 'no OpenAI API key: the tenant\'s key was removed', { code: 'OPENAI_NOT_CONFIGURED', message: 'no OpenAI API key: an admin sets one with setOpenAiApiKey' });
      return;
    }
    try {
      if (run.status === 'CANCELLED') {
        if (run.providerState?.cancelPending) await this.confirmCancel(client, run);
      } else if (TERMINAL.has(run.status)) {
        // Ended: only its uploaded files may be left to delete (below).
      } else if (!run.providerJobId) await this.submit(client, run, blobKey);
      else await this.poll(client, run);
      await this.deleteFilesOnceEnded(client, tenantId, runId);
    } catch (err) {
      const error = describeOpenAiError(err, client.apiKey);
      // Not OpenAI's answer (our database, a missing dataset): logged whole, retried like a transient failure.
      if (error.code === 'INTERNAL') this.log.error({ err, runId: run.id, tenantId: run.tenantId }, 'following an OpenAI run failed');
      if (error.code === 'INTERNAL' && err instanceof Error) error.message = err.message.slice(0, 1000);
      const failures = (run.providerState?.failures ?? 0) + 1;
      if (transient(err) && failures < this.settings.maxFailures) {
        this.log.warn({ runId: run.id, tenantId: run.tenantId, code: error.code, failures }, 'OpenAI did not answer; retrying');
        await this.db.withTenant({ tenantId }, async (m) => {
          await this.saveState(m, run.id, { failures });
          if (failures === 1) await addEvent(m, run, 'warn', `OpenAI did not answer (${error.message}); retrying`, { provider: 'openai' });
        });
        return;
      }
      this.log.warn({ runId: run.id, tenantId: run.tenantId, code: error.code }, 'OpenAI run failed');
      if (run.status !== 'CANCELLED') await this.end(run, 'FAILED', `run failed: ${error.message}`, error);
      else {
        // OpenAI will not cancel it (already finished, or refused): stop asking, and say so.
        await this.db.withTenant({ tenantId }, async (m) => {
          await m.query(`UPDATE training_runs SET provider_state = provider_state - 'cancelPending' WHERE id = $1`, [run.id]);
          await addEvent(m, run, 'warn', `OpenAI did not cancel ${run.providerJobId}: ${error.message}`, { provider: 'openai' });
        });
      }
    }
  }

  private async submit(client: OpenAI, run: TrainingRun, blobKey: string | null): Promise<void> {
    const save = (patch: Partial<ProviderRunState>) => this.db.withTenant({ tenantId: run.tenantId }, (m) => this.saveState(m, run.id, patch));
    const job = await this.fineTuning.submit(client, run, blobKey, save);
    const cancelNow = await this.db.withTenant({ tenantId: run.tenantId }, async (m) => {
      const locked = await lockRun(m, run.id);
      if (!locked) return false;
      await m.query(`UPDATE training_runs SET provider_job_id = $2 WHERE id = $1`, [run.id, job.id]);
      await this.saveState(m, run.id, { submitting: false, failures: 0 });
      // Cancelled while we were uploading: the job must not train (and bill) for nothing.
      if (locked.status !== 'QUEUED') return true;
      await transition(m, locked, 'PROVISIONING', `submitted to OpenAI as ${job.id} (${job.status.replace('_', ' ')})`, {}, 'info');
      return false;
    });
    if (cancelNow) await this.confirmCancel(client, { ...run, providerJobId: job.id } as TrainingRun);
  }

  /**
   * Once a run has ended (and OpenAI confirmed a cancel), the training and validation files it
   * uploaded are deleted at OpenAI: they are copies of the tenant's data, and OpenAI keeps files
   * until deleted, within an organisation-wide storage limit. A file already gone counts as deleted;
   * any other failure is retried on a later round.
   */
  private async deleteFilesOnceEnded(client: OpenAI, tenantId: string, runId: string): Promise<void> {
    const run = await this.db.withTenant({ tenantId }, (m) => m.findOneBy(TrainingRun, { id: runId }));
    const state = run?.providerState;
    if (!run || !state || !TERMINAL.has(run.status) || state.cancelPending || state.filesDeleted) return;
    const ids = [state.trainingFileId, state.validationFileId].filter((id): id is string => Boolean(id));
    try {
      for (const id of ids) await client.files.delete(id).catch((err: unknown) => {
        if (!(err instanceof OpenAI.NotFoundError)) throw err;
      });
    } catch (err) {
      // Worth another round only while it may pass; otherwise say so once and stop asking.
      if (transient(err) && (state.failures ?? 0) + 1 < this.settings.maxFailures) throw err;
      await this.giveUpOnFiles(run, ids, describeOpenAiError(err, client.apiKey).message);
      return;
    }
    await this.db.withTenant({ tenantId }, async (m) => {
      await this.saveState(m, runId, { filesDeleted: true, failures: 0 });
      if (ids.length) await addEvent(m, run, 'info', `deleted the ${ids.length} uploaded file${ids.length === 1 ? '' : 's'} at OpenAI`, { provider: 'openai', files: ids });
    });
  }

  /** The files cannot be deleted by us (key gone, refused): stop trying, and tell the tenant which ones to delete. */
  private async giveUpOnFiles(run: TrainingRun, ids: string[], reason: string): Promise<void> {
    await this.db.withTenant({ tenantId: run.tenantId }, async (m) => {
      await m.query(`UPDATE training_runs SET provider_state = (coalesce(provider_state, '{}'::jsonb) - 'cancelPending') || '{"filesDeleted": true}'::jsonb WHERE id = $1`, [run.id]);
      if (ids.length) await addEvent(m, run, 'warn', `could not delete the uploaded files ${ids.join(', ')} at OpenAI (${reason}); delete them in OpenAI's dashboard`, { provider: 'openai', files: ids });
    });
  }

  /** The run is CANCELLED here: make sure its OpenAI job is too (asked again until OpenAI confirms). */
  private async confirmCancel(client: OpenAI, run: TrainingRun): Promise<void> {
    if (run.providerJobId) {
      const job = await client.fineTuning.jobs.retrieve(run.providerJobId);
      if (job.status !== 'cancelled' && job.status !== 'succeeded' && job.status !== 'failed') await client.fineTuning.jobs.cancel(run.providerJobId);
    }
    await this.db.withTenant({ tenantId: run.tenantId }, async (m) => {
      await m.query(`UPDATE training_runs SET provider_state = provider_state - 'cancelPending' WHERE id = $1`, [run.id]);
      if (run.providerJobId) await addEvent(m, run, 'info', `OpenAI job ${run.providerJobId} cancelled`, { provider: 'openai' });
    });
  }

  private async poll(client: OpenAI, run: TrainingRun): Promise<void> {
    const jobId = run.providerJobId!;
    const job = await client.fineTuning.jobs.retrieve(jobId);
    const state = run.providerState!;
    const events = await this.newEvents(client, jobId, state.lastEventId ?? null);
    const checkpoints = job.status === 'running' || job.status === 'succeeded' ? await this.newCheckpoints(client, jobId, state.checkpointIds ?? []) : [];
    const target = mapJobStatus(job.status);
    const current = await this.db.withTenant({ tenantId: run.tenantId }, async (m) => {
      let locked = await lockRun(m, run.id);
      if (!locked || TERMINAL.has(locked.status)) return locked?.status ?? null;
      await this.mirror(m, locked, job, events, checkpoints);
      // SUCCEEDED is reached only once the version is registered; until then the run stays RUNNING.
      for (const step of pathTo(locked.status, target === 'SUCCEEDED' ? 'RUNNING' : target)) {
        locked = await this.move(m, locked, step, job);
      }
      return locked.status;
    });
    // The evaluation may take longer than a lease: keep it while answers come in.
    if (target === 'SUCCEEDED' && current === 'RUNNING') await this.outcome.succeed(client, run, job, () => this.release(run.id, this.settings.leaseSeconds));
  }

  /** One status step in the caller's transaction, with what OpenAI said. */
  private async move(m: EntityManager, run: TrainingRun, to: RunStatus, job: Job): Promise<TrainingRun> {
    if (to === 'RUNNING') return transition(m, run, 'RUNNING', `OpenAI is training ${job.id}`, { started_at: run.startedAt ?? new Date() });
    if (to === 'FAILED') {
      const error = { code: job.error?.code || 'failed', message: (job.error?.message || 'OpenAI failed the job without a reason').slice(0, 1000) };
      return transition(m, run, 'FAILED', `run failed at OpenAI: ${error.code}: ${error.message}`, { finished_at: new Date(), error }, 'error');
    }
    if (to === 'CANCELLED') return transition(m, run, 'CANCELLED', `OpenAI job ${job.id} was cancelled at OpenAI`, { finished_at: new Date() }, 'warn');
    return transition(m, run, to, `OpenAI job ${job.id} is ${job.status.replace('_', ' ')}`);
  }

  /**
   * Events newer than `lastEventId`, oldest first. OpenAI lists a job's events newest first and
   * `after` pages towards older ones, so we read from the newest until the one we already have.
   */
  private async newEvents(client: OpenAI, jobId: string, lastEventId: string | null): Promise<JobEvent[]> {
    const fresh: JobEvent[] = [];
    for await (const event of client.fineTuning.jobs.listEvents(jobId, { limit: 100 })) {
      if (event.id === lastEventId) break;
      fresh.push(event);
    }
    return fresh.reverse();
  }

  private async newCheckpoints(client: OpenAI, jobId: string, known: string[]) {
    const fresh: OpenAI.FineTuning.Jobs.FineTuningJobCheckpoint[] = [];
    for await (const c of client.fineTuning.jobs.checkpoints.list(jobId, { limit: 10 })) if (!known.includes(c.id)) fresh.push(c);
    return fresh.reverse();
  }

  /** Writes new events, metric points, checkpoints, progress and the cursor in one transaction. */
  private async mirror(m: EntityManager, run: TrainingRun, job: Job, events: JobEvent[], checkpoints: OpenAI.FineTuning.Jobs.FineTuningJobCheckpoint[]): Promise<void> {
    const state = run.providerState!;
    let stepsPerEpoch = state.stepsPerEpoch ?? null;
    const points: MirroredMetric[] = [];
    let progress: RunProgress | null = null;
    for (const e of events) {
      if (e.type === 'metrics') {
        stepsPerEpoch ??= stepsPerEpochOf(e, job);
        points.push(...metricPoints(e, stepsPerEpoch));
        progress = progressOf(e, job, stepsPerEpoch) ?? progress;
      } else {
        await providerEvent(m, run, e.level, `OpenAI: ${e.message}`.slice(0, 2000), e.id, {});
      }
    }
    for (const c of checkpoints) {
      const epoch = stepsPerEpoch ? Math.round(c.step_number / stepsPerEpoch) : null;
      await providerEvent(m, run, 'info', `OpenAI checkpoint ${c.fine_tuned_model_checkpoint} at step ${c.step_number}`, c.id, {
        checkpoint: { key: c.fine_tuned_model_checkpoint, epoch, step: c.step_number, metrics: c.metrics },
      });
    }
    await insertMetrics(m, run, points);
    for (let i = 0; i < points.length; i += 40) await notifyRun(m, { tenantId: run.tenantId, runId: run.id, kind: 'metrics', points: points.slice(i, i + 40) });
    if (progress) await m.query(`UPDATE training_runs SET progress = $2 WHERE id = $1`, [run.id, progress]);
    await this.saveState(m, run.id, {
      lastEventId: events.at(-1)?.id ?? state.lastEventId ?? null,
      checkpointIds: [...(state.checkpointIds ?? []), ...checkpoints.map((c) => c.id)],
      stepsPerEpoch,
      failures: 0,
    });
  }

  /** Ends a run that is not finished yet (any status → FAILED or CANCELLED is allowed by the status machine). */
  private async end(run: TrainingRun, to: 'FAILED', message: string, error: { code: string; message: string }): Promise<void> {
    await this.db.withTenant({ tenantId: run.tenantId }, async (m) => {
      const locked = await lockRun(m, run.id);
      if (!locked || TERMINAL.has(locked.status)) return;
      await transition(m, locked, to, message.slice(0, 2000), { finished_at: new Date(), error }, 'error');
    });
  }

  private async saveState(m: EntityManager, runId: string, patch: Partial<ProviderRunState>): Promise<void> {
    await m.query(`UPDATE training_runs SET provider_state = coalesce(provider_state, '{}'::jsonb) || $2::jsonb WHERE id = $1`, [runId, JSON.stringify(patch)]);
  }
}

/** A provider's event as a run event, once: its id is unique per run (a replay inserts nothing). */
async function providerEvent(m: EntityManager, run: Pick<TrainingRun, 'id' | 'tenantId'>, level: string, message: string, providerEventId: string, data: Record<string, unknown>): Promise<void> {
  const lvl = level === 'warn' || level === 'error' ? level : 'info';
  const inserted: unknown[] = await m.query(
    `INSERT INTO run_events (tenant_id, run_id, level, message, data) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (run_id, (data->>'providerEventId')) WHERE data ? 'providerEventId' DO NOTHING RETURNING id`,
    [run.tenantId, run.id, lvl, message, { ...data, provider: 'openai', providerEventId }],
  );
  if (inserted.length) await notifyRun(m, { tenantId: run.tenantId, runId: run.id, kind: 'updated' });
}

import { Logger } from 'pino';
import { EntityManager } from 'typeorm';
import { randomToken, sha256 } from '../auth/secrets';
import { Database } from '../db/database';
import { Executor, WorkerEvent } from './executor';
import { DispatchRunJob, RunQueue } from './run-queue';
import { TrainingRun } from './training-run.entity';
import { addEvent, closeAttempt, lockRun, openAttempt, transition } from './training-run.repository';

export interface DispatchSettings {
  /** Per-tenant limit of runs PROVISIONING or RUNNING at once (the plan's; billing refines it). */
  maxConcurrentRunsPerTenant: number;
  /** Runs this replica's executor may hold at once (local executor: child processes). */
  executorCapacity: number;
  heartbeatSeconds: number;
  /** A RUNNING run whose heartbeats stop this long is requeued. */
  heartbeatTimeoutSeconds: number;
  /** A PROVISIONING run that never heartbeats this long is requeued (image pulls, Kueue waits are longer on Kubernetes). */
  provisioningTimeoutSeconds: number;
  activeDeadlineSeconds: number;
  /** Where trainers reach the API's internal routes. */
  apiUrl: () => string;
  queueName: (tenantId: string) => string;
}

/** What a plan allows a run's tenant at dispatch, and why a run must wait (billing decides). */
export interface Admission {
  maxConcurrentRuns: number;
  /** Keep the run QUEUED: a run event says why (once per distinct code), and it is looked at again later. */
  hold: { code: string; reason: string; data: Record<string, unknown>; retryAfterSeconds: number } | null;
}

export interface AdmissionPolicy {
  check(m: EntityManager, run: TrainingRun): Promise<Admission>;
}

/**
 * Admits queued runs against the tenant's limits and the executor's capacity and starts their
 * workers; reaps runs whose heartbeats stopped; turns executor observations into run changes.
 * Safe on every replica at once: each run is locked while it is decided on, and a job found
 * not QUEUED is a no-op.
 */
export class RunDispatcher {
  private reaper: NodeJS.Timeout | null = null;
  /** The plan's say in admission (set by billing); without it only the settings' limits apply. */
  admission: AdmissionPolicy = { check: async () => ({ maxConcurrentRuns: Number.MAX_SAFE_INTEGER, hold: null }) };

  constructor(
    private readonly db: Database,
    private readonly queue: RunQueue,
    private readonly executor: Executor,
    private readonly settings: DispatchSettings,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.executor.onEvent((e) => void this.onWorkerEvent(e).catch((err) => this.log.error({ err, runId: e.runId }, 'worker event handling failed')));
    await this.queue.work((job) => this.dispatch(job), (err, job) => this.log.error({ err, runId: job.runId }, 'dispatch failed; retrying'));
    this.reaper = setInterval(() => void this.reap().catch((err) => this.log.warn({ err }, 'reaper failed')), this.settings.heartbeatSeconds * 1000);
    this.reaper.unref();
  }

  async stop(): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    await this.queue.stop();
    await this.executor.close();
  }

  /** dispatch-run job: admit and launch one queued run, or retry later. Idempotent. */
  async dispatch(job: DispatchRunJob): Promise<void> {
    const decision = await this.db.withTenant({ tenantId: job.tenantId }, async (m) => {
      const run = await lockRun(m, job.runId);
      if (!run || run.status !== 'QUEUED') return { kind: 'skip' as const };
      const [{ active }]: { active: number }[] = await m.query(`SELECT count(*)::int AS active FROM training_runs WHERE status IN ('PROVISIONING', 'RUNNING')`);
      const admission = await this.admission.check(m, run);
      if (admission.hold) {
        await holdEvent(m, run, admission.hold);
        return { kind: 'wait' as const, priority: -active, why: admission.hold.reason, delay: admission.hold.retryAfterSeconds };
      }
      const allowed = Math.min(this.settings.maxConcurrentRunsPerTenant, admission.maxConcurrentRuns);
      if (active >= allowed) return { kind: 'wait' as const, priority: -active, why: `the tenant already runs ${active} of ${allowed} allowed runs`, delay: 2 };
      if (this.executor.active() >= this.settings.executorCapacity) return { kind: 'wait' as const, priority: -active, why: 'waiting for a free worker slot', delay: 2 };
      const token = randomToken();
      await openAttempt(m, run);
      const provisioning = await transition(m, run, 'PROVISIONING', `attempt ${run.attempt} dispatched to the ${this.executor.name} executor`, { token_hash: sha256(token) });
      return { kind: 'launch' as const, run: provisioning, token };
    });
    if (decision.kind === 'skip') return;
    if (decision.kind === 'wait') {
      // Later, and behind other tenants' jobs: a tenant at its limit does not block the queue.
      await this.queue.enqueueLater(job, decision.delay, decision.priority);
      return;
    }
    const { run, token } = decision;
    try {
      await this.executor.launch({
        tenantId: run.tenantId,
        runId: run.id,
        attempt: run.attempt,
        gpus: run.gpus,
        apiUrl: this.settings.apiUrl(),
        runToken: token,
        activeDeadlineSeconds: this.settings.activeDeadlineSeconds,
        queueName: this.settings.queueName(run.tenantId),
      });
    } catch (err) {
      this.log.error({ err, runId: run.id }, 'executor launch failed');
      await this.requeueOrFail(run.tenantId, run.id, run.attempt, `the ${this.executor.name} executor could not start the trainer: ${(err as Error).message}`);
    }
  }

  /**
   * The worker of `attempt` is gone: requeue the run for its next attempt (which resumes from the
   * last checkpoint) or, past the retry limit, fail it. No-op if the run has moved on.
   */
  async requeueOrFail(tenantId: string, runId: string, attempt: number, reason: string, retryable = true): Promise<void> {
    const stopped = await this.db.withTenant({ tenantId }, async (m) => {
      const run = await lockRun(m, runId);
      if (!run || run.attempt !== attempt || (run.status !== 'PROVISIONING' && run.status !== 'RUNNING')) return false;
      await this.endAttempt(m, run, reason, retryable);
      return true;
    });
    if (stopped) await this.executor.stop(runId, attempt).catch(() => undefined);
  }

  /** In the caller's transaction: close the attempt's GPU time, then requeue or fail. */
  async endAttempt(m: EntityManager, run: TrainingRun, reason: string, retryable: boolean): Promise<TrainingRun> {
    await closeAttempt(m, run, reason, this.settings.heartbeatSeconds * 3);
    if (retryable && run.attempt < run.maxAttempts) {
      const queued = await transition(m, run, 'QUEUED', `attempt ${run.attempt} lost: ${reason}; attempt ${run.attempt + 1} will resume from the last checkpoint`, { attempt: run.attempt + 1, token_hash: null, last_heartbeat_at: null }, 'warn');
      await this.queue.enqueue(m, { tenantId: run.tenantId, runId: run.id }, 1);
      return queued;
    }
    const why = retryable ? `${reason} (after ${run.attempt} attempts)` : reason;
    return transition(m, run, 'FAILED', `run failed: ${why}`, { finished_at: new Date(), token_hash: null, error: { code: retryable ? 'RETRIES_EXHAUSTED' : 'WORKER_FAILED', message: why } }, 'error');
  }

  private async onWorkerEvent(e: WorkerEvent): Promise<void> {
    const tenantId = await this.tenantOf(e.runId);
    if (!tenantId) return;
    if (e.log?.length) {
      await this.db.withTenant({ tenantId }, (m) => addEvent(m, { id: e.runId, tenantId }, 'info', e.log!.join('\n').slice(-4000), { attempt: e.attempt, source: 'worker' }));
    }
    if (e.kind === 'LOST') await this.requeueOrFail(tenantId, e.runId, e.attempt, e.reason ?? 'the worker was lost');
    else if (e.kind === 'FAILED') await this.requeueOrFail(tenantId, e.runId, e.attempt, e.reason ?? 'the trainer failed', false);
    else if (e.kind === 'EXITED') {
      // A trainer that exits has reported its outcome; if the run is still active, it died before that.
      await this.requeueOrFail(tenantId, e.runId, e.attempt, 'the trainer exited without reporting a result');
    }
  }

  private async tenantOf(runId: string): Promise<string | null> {
    const rows: { tenant_id: string }[] = await this.db.dataSource.query(`SELECT tenant_id FROM training_runs WHERE id = $1`, [runId]);
    return rows[0]?.tenant_id ?? null;
  }

  /**
   * Requeues this deployment's runs (launched into its queue) whose worker went silent. Every
   * replica may run this; SKIP LOCKED keeps them apart.
   */
  async reap(): Promise<number> {
    const stale: { id: string; tenant_id: string; attempt: number; status: string }[] = await this.db.dataSource.query(
      `SELECT r.id, r.tenant_id, r.attempt, r.status FROM training_runs r JOIN run_attempts a ON a.run_id = r.id AND a.attempt = r.attempt
        WHERE (r.queue = $3 OR r.queue IS NULL)
          AND ((r.status = 'RUNNING' AND r.last_heartbeat_at < clock_timestamp() - make_interval(secs => $1))
            OR (r.status = 'PROVISIONING' AND a.started_at < clock_timestamp() - make_interval(secs => $2)))`,
      [this.settings.heartbeatTimeoutSeconds, this.settings.provisioningTimeoutSeconds, this.queue.name],
    );
    for (const r of stale) {
      const silence = r.status === 'RUNNING' ? `no heartbeat for ${this.settings.heartbeatTimeoutSeconds} s` : `the worker did not start within ${this.settings.provisioningTimeoutSeconds} s`;
      await this.requeueOrFail(r.tenant_id, r.id, r.attempt, silence);
    }
    return stale.length;
  }
}

/** Records why a run is held in the queue, once per distinct reason (a re-check every minute adds nothing). */
async function holdEvent(m: EntityManager, run: TrainingRun, hold: NonNullable<Admission['hold']>): Promise<void> {
  const [last]: { hold: string | null }[] = await m.query(`SELECT data->>'hold' AS hold FROM run_events WHERE run_id = $1 ORDER BY id DESC LIMIT 1`, [run.id]);
  if (last?.hold !== hold.code) await addEvent(m, run, 'warn', hold.reason, { hold: hold.code, ...hold.data });
}

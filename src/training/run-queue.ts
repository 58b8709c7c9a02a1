import PgBoss from 'pg-boss';
import { EntityManager } from 'typeorm';

async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const { code, message } = err as { code?: string; message?: string };
      // Concurrent GRANTs on one object fail with "tuple concurrently updated" (XX000): also safe to retry.
      const retryable = code === '40P01' || code === '40001' || code === '23505' || (code === 'XX000' && /tuple concurrently updated/.test(message ?? ''));
      if (i >= attempts || !retryable) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 250 * i));
    }
  }
}

/** Payload of a dispatch job: carries its tenant, safe to run twice (the dispatcher re-checks the run). */
export interface DispatchRunJob {
  tenantId: string;
  runId: string;
}


/**
 * The run queue, on pg-boss (Postgres, SKIP LOCKED): jobs are inserted in the caller's
 * transaction, so a run and its job are created together or not at all.
 */
export class RunQueue {
  constructor(private readonly boss: PgBoss, readonly name: string, onError: (err: Error) => void) {
    // pg-boss emits connection errors (e.g. Postgres restarting); unheard, they would crash the process.
    boss.on('error', onError);
  }

  /** Creates the pg-boss schema/queue and lets the RLS-bound role insert jobs inside tenant transactions. */
  async start(grant: (sql: string) => Promise<unknown>): Promise<void> {
    await this.boss.start();
    // Replicas starting together create the queue (DDL on pg-boss's partitioned job table) and grant
    // at once, which Postgres may answer with a deadlock or a concurrent update: safe to retry.
    await retryOnDeadlock(() => this.boss.createQueue(this.name, { name: this.name, retryLimit: 5, retryDelay: 5, retryBackoff: true }));
    await retryOnDeadlock(() => grant(`GRANT USAGE ON SCHEMA pgboss TO tuneforge_app`));
    await retryOnDeadlock(() => grant(`GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA pgboss TO tuneforge_app`));
  }

  /**
   * Enqueues a dispatch in the transaction of `m` (optionally not before `delaySeconds`).
   * Fair sharing across tenants: a job's priority is minus the number of runs its tenant already
   * has in flight, so pg-boss (priority first, then FIFO) interleaves tenants round-robin instead
   * of serving one tenant's whole backlog first; within a tenant the order stays FIFO.
   */
  async enqueue(m: EntityManager, job: DispatchRunJob, delaySeconds = 0): Promise<void> {
    // Launches of one tenant take turns (to the end of their transactions), so each counts the ones before it.
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('tuneforge:enqueue:' || $1))`, [job.tenantId]);
    const [{ inflight }]: { inflight: number }[] = await m.query(
      `SELECT count(*)::int AS inflight FROM training_runs WHERE tenant_id = $1 AND status IN ('QUEUED', 'PROVISIONING', 'RUNNING') AND id <> $2`,
      [job.tenantId, job.runId],
    );
    await this.boss.send(this.name, job, {
      db: { executeSql: async (text: string, values: unknown[]) => ({ rows: await m.query(text, values) }) },
      priority: -inflight,
      ...(delaySeconds ? { startAfter: delaySeconds } : {}),
    });
  }

  /** Enqueues outside any transaction (a dispatch that must wait), keeping the job's fair-share priority. */
  async enqueueLater(job: DispatchRunJob, delaySeconds: number, priority: number): Promise<void> {
    await this.boss.send(this.name, job, { startAfter: delaySeconds, priority });
  }

  /**
   * Serves the queue: up to 20 jobs per fetch, handled one by one. A job whose handling throws
   * is sent again a little later (a failed batch would otherwise retry jobs that succeeded).
   */
  async work(handler: (job: DispatchRunJob) => Promise<void>, onError: (err: unknown, job: DispatchRunJob) => void): Promise<void> {
    await this.boss.work<DispatchRunJob>(this.name, { batchSize: 20, pollingIntervalSeconds: 0.5 }, async (jobs) => {
      for (const job of jobs) {
        try {
          await handler(job.data);
        } catch (err) {
          onError(err, job.data);
          await this.enqueueLater(job.data, 5, 0);
        }
      }
    });
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}

import { EntityManager } from 'typeorm';
import { AppError } from '../common/errors';
import { assertTransition, RunStatus } from './run-status';
import { TrainingRun } from './training-run.entity';

/** The SQL of the training feature, in one reviewable place. Every call runs in the caller's (tenant) transaction. */

export interface MetricPointRow {
  name: string;
  split: string;
  step: number;
  epoch: number;
  value: number;
  at: Date;
}

export interface RunEventRow {
  id: string;
  at: Date;
  level: 'info' | 'warn' | 'error';
  message: string;
  data: Record<string, unknown> | null;
}

export interface CheckpointRow {
  name: string;
  attempt: number;
  blobKey: string;
  bytes: number;
  createdAt: Date;
}

/** A complete checkpoint as the trainer announced it: its key, epochs and steps done, and its files' size. */
export interface AnnouncedCheckpoint {
  name: string;
  epoch: number | null;
  step: number | null;
  attempt: number;
  bytes: number;
  createdAt: Date;
}

export async function announcedCheckpoints(m: EntityManager, runId: string): Promise<AnnouncedCheckpoint[]> {
  const rows: { name: string; epoch: number | null; step: number | null; attempt: number | null; bytes: string; at: Date }[] = await m.query(
    `SELECT e.data->'checkpoint'->>'key' AS name, (e.data->'checkpoint'->>'epoch')::int AS epoch, (e.data->'checkpoint'->>'step')::int AS step, e.at,
            coalesce(f.bytes, 0) AS bytes, f.attempt
       FROM run_events e
       LEFT JOIN LATERAL (
         SELECT sum(c.bytes) AS bytes, max(c.attempt) AS attempt FROM run_checkpoints c
          WHERE c.run_id = e.run_id AND starts_with(c.name, replace(e.data->'checkpoint'->>'key', '/', '__') || '__')
       ) f ON true
      WHERE e.run_id = $1 AND e.data ? 'checkpoint' AND e.data->'checkpoint'->>'key' IS NOT NULL
      ORDER BY e.id`,
    [runId],
  );
  return rows.map((r) => ({ name: r.name, epoch: r.epoch, step: r.step, attempt: r.attempt ?? 0, bytes: Number(r.bytes), createdAt: r.at }));
}

/** Channel of the NOTIFY that fans run changes out to every API replica's subscriptions. */
export const RUN_CHANNEL = 'tuneforge_runs';

export async function notifyRun(m: EntityManager, payload: { tenantId: string; runId: string; kind: 'updated' | 'metrics'; points?: unknown[] }): Promise<void> {
  await m.query(`SELECT pg_notify($1, $2)`, [RUN_CHANNEL, JSON.stringify(payload)]);
}

export async function addEvent(m: EntityManager, run: Pick<TrainingRun, 'id' | 'tenantId'>, level: RunEventRow['level'], message: string, data: Record<string, unknown> | null = null): Promise<void> {
  await m.query(`INSERT INTO run_events (tenant_id, run_id, level, message, data) VALUES ($1, $2, $3, $4, $5)`, [run.tenantId, run.id, level, message, data]);
}

/**
 * Moves a run from `from` to `to` (checked by the status machine), only if it is still in `from`,
 * records the event and notifies subscribers, all in the caller's transaction.
 */
export async function transition(
  m: EntityManager,
  run: TrainingRun,
  to: RunStatus,
  message: string,
  set: Record<string, unknown> = {},
  level: RunEventRow['level'] = 'info',
): Promise<TrainingRun> {
  assertTransition(run.status, to);
  const columns = Object.keys(set);
  const assignments = columns.map((c, i) => `${c} = $${i + 4}`);
  const result: [unknown[], number] = await m.query(
    `UPDATE training_runs SET status = $3${assignments.length ? ', ' + assignments.join(', ') : ''} WHERE id = $1 AND status = $2`,
    [run.id, run.status, to, ...columns.map((c) => set[c])],
  );
  if (result[1] !== 1) throw new AppError('CONFLICT', `the run changed while this was being applied (it is no longer ${run.status})`, { field: 'id' });
  await addEvent(m, run, level, message, { from: run.status, to, attempt: run.attempt });
  await notifyRun(m, { tenantId: run.tenantId, runId: run.id, kind: 'updated' });
  return m.findOneByOrFail(TrainingRun, { id: run.id });
}

export async function lockRun(m: EntityManager, runId: string): Promise<TrainingRun | null> {
  return m.createQueryBuilder(TrainingRun, 'r').addSelect('r.tokenHash').setLock('pessimistic_write').where('r.id = :id', { id: runId }).getOne();
}

/** Opens the accounting row of an attempt (GPU time starts counting when it turns RUNNING). */
export async function openAttempt(m: EntityManager, run: TrainingRun): Promise<void> {
  await m.query(`INSERT INTO run_attempts (tenant_id, run_id, attempt, gpus) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [run.tenantId, run.id, run.attempt, run.gpus]);
}

/**
 * Counts GPU-seconds of the current attempt up to now: gpus × time since the last count, but at
 * most `maxGapSeconds` (so a worker silent for a long time is not billed for the silence).
 * Called on every accepted heartbeat and on every transition out of RUNNING.
 */
export async function countGpuTime(m: EntityManager, run: Pick<TrainingRun, 'id' | 'attempt'>, maxGapSeconds: number): Promise<void> {
  await m.query(
    `UPDATE run_attempts
        SET gpu_seconds = gpu_seconds + gpus * LEAST(EXTRACT(EPOCH FROM clock_timestamp() - counted_until), $3),
            counted_until = clock_timestamp()
      WHERE run_id = $1 AND attempt = $2 AND counted_until IS NOT NULL AND ended_at IS NULL`,
    [run.id, run.attempt, maxGapSeconds],
  );
}

export async function startCounting(m: EntityManager, run: Pick<TrainingRun, 'id' | 'attempt'>): Promise<void> {
  await m.query(`UPDATE run_attempts SET running_since = clock_timestamp(), counted_until = clock_timestamp() WHERE run_id = $1 AND attempt = $2 AND counted_until IS NULL`, [run.id, run.attempt]);
}

/**
 * Closes an attempt's accounting and writes its last GPU-seconds to the usage ledger, in the same
 * transaction as the transition that ended it. The ledger key makes a replay a no-op.
 */
export async function closeAttempt(m: EntityManager, run: Pick<TrainingRun, 'id' | 'attempt' | 'tenantId'>, reason: string, maxGapSeconds: number): Promise<void> {
  await countGpuTime(m, run, maxGapSeconds);
  const rows: { gpu_seconds: number }[] = await m.query(
    `UPDATE run_attempts SET ended_at = clock_timestamp(), end_reason = $3 WHERE run_id = $1 AND attempt = $2 AND ended_at IS NULL RETURNING gpu_seconds`,
    [run.id, run.attempt, reason],
  );
  if (rows[0]) await sliceUsage(m, run, { final: true });
}

/**
 * Writes the attempt's GPU-seconds counted since its last ledger row as a new ledger row (one
 * "slice"), so a long run is billed minute by minute and a crash loses nothing already counted.
 * Slices carry whole GPU-seconds (the remainder carries over; the final slice rounds), so the
 * ledger of an attempt adds up to exactly round(gpu_seconds). Not final: only once `everySeconds`
 * have passed since the last slice. Runs under the run's row lock; each slice key is written once.
 */
export async function sliceUsage(m: EntityManager, run: Pick<TrainingRun, 'id' | 'attempt'>, opts: { final: true } | { final: false; everySeconds: number }): Promise<void> {
  const final = opts.final;
  await m.query(
    `WITH old AS (
       SELECT tenant_id, run_id, attempt, billed_seconds, slices,
              (CASE WHEN $3 THEN round(gpu_seconds) ELSE floor(gpu_seconds) END)::bigint AS target
         FROM run_attempts WHERE run_id = $1 AND attempt = $2
     ), upd AS (
       UPDATE run_attempts a SET billed_seconds = old.target, slices = old.slices + 1, sliced_at = clock_timestamp()
         FROM old
        WHERE a.run_id = old.run_id AND a.attempt = old.attempt AND old.target > old.billed_seconds
          AND ($3 OR a.sliced_at IS NULL OR a.sliced_at <= clock_timestamp() - make_interval(secs => $4))
        RETURNING a.slices
     )
     INSERT INTO usage_records (tenant_id, meter, quantity, run_id, attempt, idempotency_key, occurred_at)
     SELECT old.tenant_id, 'training_gpu_seconds', old.target - old.billed_seconds, old.run_id, old.attempt,
            'run:' || old.run_id || ':attempt:' || old.attempt || ':slice:' || upd.slices, clock_timestamp()
       FROM old, upd
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [run.id, run.attempt, final, final ? 0 : opts.everySeconds],
  );
}

export async function gpuSecondsByRun(m: EntityManager, runIds: string[]): Promise<Map<string, number>> {
  const rows: { run_id: string; s: number }[] = await m.query(`SELECT run_id, sum(gpu_seconds)::float8 AS s FROM run_attempts WHERE run_id = ANY($1) GROUP BY run_id`, [runIds]);
  return new Map(rows.map((r) => [r.run_id, Number(r.s)]));
}

export async function insertMetrics(m: EntityManager, run: Pick<TrainingRun, 'id' | 'tenantId' | 'attempt'>, points: Omit<MetricPointRow, 'at'>[]): Promise<void> {
  if (!points.length) return;
  await m.query(
    `INSERT INTO run_metrics (tenant_id, run_id, attempt, name, split, step, epoch, value)
     SELECT $1, $2, $3, p.name, p.split, p.step, p.epoch, p.value
       FROM jsonb_to_recordset($4::jsonb) AS p(name text, split text, step int, epoch int, value float8)`,
    [run.tenantId, run.id, run.attempt, JSON.stringify(points)],
  );
}

export async function metricSeries(m: EntityManager, runId: string, names: string[] | null, split: string | null): Promise<(MetricPointRow & { key: string })[]> {
  const rows: { name: string; split: string; step: number; epoch: number; value: number; at: Date }[] = await m.query(
    `SELECT DISTINCT ON (name, split, step) name, split, step, epoch, value, at FROM run_metrics
      WHERE run_id = $1 AND ($2::text[] IS NULL OR name = ANY($2)) AND ($3::text IS NULL OR split = $3)
      ORDER BY name, split, step, id DESC`,
    [runId, names, split],
  );
  return rows.map((r) => ({ ...r, value: Number(r.value), key: `${r.name}\u0000${r.split}` }));
}

export async function listEvents(m: EntityManager, runId: string, first: number, afterId: string | null): Promise<RunEventRow[]> {
  // ORDER BY the table's id: a bare `id` would name the text output column and sort "10" before "2".
  return m.query(`SELECT e.id::text AS id, e.at, e.level, e.message, e.data FROM run_events e WHERE e.run_id = $1 AND ($2::bigint IS NULL OR e.id > $2::bigint) ORDER BY e.id LIMIT $3`, [runId, afterId, first + 1]);
}

export async function listCheckpoints(m: EntityManager, runId: string): Promise<CheckpointRow[]> {
  const rows: { name: string; attempt: number; blob_key: string; bytes: string; created_at: Date }[] = await m.query(
    `SELECT name, attempt, blob_key, bytes, created_at FROM run_checkpoints WHERE run_id = $1 ORDER BY created_at, name`,
    [runId],
  );
  return rows.map((r) => ({ name: r.name, attempt: r.attempt, blobKey: r.blob_key, bytes: Number(r.bytes), createdAt: r.created_at }));
}

export async function upsertCheckpoint(m: EntityManager, run: Pick<TrainingRun, 'id' | 'tenantId' | 'attempt'>, name: string, blobKey: string, bytes: number): Promise<void> {
  await m.query(
    `INSERT INTO run_checkpoints (tenant_id, run_id, attempt, name, blob_key, bytes) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (run_id, name) DO UPDATE SET attempt = EXCLUDED.attempt, blob_key = EXCLUDED.blob_key, bytes = EXCLUDED.bytes, created_at = now()`,
    [run.tenantId, run.id, run.attempt, name, blobKey, bytes],
  );
}

/** Metrics where smaller is better; every other metric is better larger. */
export const LOWER_IS_BETTER = new Set(['loss', 'rmse', 'mae', 'perplexity']);

export async function bestValidationValues(m: EntityManager, runIds: string[], metric: string): Promise<Map<string, number>> {
  const agg = LOWER_IS_BETTER.has(metric) ? 'min' : 'max';
  const rows: { run_id: string; v: number }[] = await m.query(
    `SELECT run_id, ${agg}(value)::float8 AS v FROM run_metrics WHERE run_id = ANY($1) AND name = $2 AND split = 'validation' GROUP BY run_id`,
    [runIds, metric],
  );
  return new Map(rows.map((r) => [r.run_id, Number(r.v)]));
}

/** Validation value of `metric` at the end of each epoch (the last point logged in that epoch). */
export async function validationByEpoch(m: EntityManager, runId: string, metric: string): Promise<Map<number, number>> {
  const rows: { epoch: number; value: number }[] = await m.query(
    `SELECT DISTINCT ON (epoch) epoch, value FROM run_metrics WHERE run_id = $1 AND name = $2 AND split = 'validation' ORDER BY epoch, step DESC, id DESC`,
    [runId, metric],
  );
  return new Map(rows.map((r) => [r.epoch, Number(r.value)]));
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Training runs with their attempts, events, metric points and checkpoints; models and model
 * versions; and the usage ledger that GPU time is billed from. All tenant-owned, all under RLS.
 */
export class Training1764600000000 implements MigrationInterface {
  name = 'Training1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE models (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$'),
        task text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, name)
      )`);
    await q.query(`
      CREATE TABLE training_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        model_id uuid NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        task text NOT NULL,
        dataset_id uuid REFERENCES datasets(id) ON DELETE SET NULL,
        dataset_sha256 text NOT NULL,
        base_model text,
        parent_version_id uuid,
        hyperparameters jsonb NOT NULL,
        gpus integer NOT NULL CHECK (gpus BETWEEN 0 AND 8),
        idempotency_key text,
        status text NOT NULL CHECK (status IN ('QUEUED', 'PROVISIONING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
        attempt integer NOT NULL DEFAULT 1,
        max_attempts integer NOT NULL DEFAULT 3,
        token_hash text,
        progress jsonb,
        backend text,
        evaluation jsonb,
        error jsonb,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        started_at timestamptz,
        finished_at timestamptz,
        last_heartbeat_at timestamptz,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, idempotency_key)
      )`);
    await q.query(`CREATE INDEX training_runs_page_idx ON training_runs (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX training_runs_active_idx ON training_runs (status, last_heartbeat_at) WHERE status IN ('PROVISIONING', 'RUNNING')`);
    await q.query(`CREATE INDEX training_runs_dataset_idx ON training_runs (dataset_id)`);
    await q.query(`
      CREATE TABLE run_attempts (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        run_id uuid NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        gpus integer NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        running_since timestamptz,
        counted_until timestamptz,
        gpu_seconds double precision NOT NULL DEFAULT 0,
        ended_at timestamptz,
        end_reason text,
        PRIMARY KEY (run_id, attempt)
      )`);
    await q.query(`
      CREATE TABLE run_events (
        id bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        run_id uuid NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
        at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        level text NOT NULL CHECK (level IN ('info', 'warn', 'error')),
        message text NOT NULL,
        data jsonb
      )`);
    await q.query(`CREATE INDEX run_events_run_idx ON run_events (run_id, id)`);
    await q.query(`
      CREATE TABLE run_metrics (
        id bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        run_id uuid NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        name text NOT NULL,
        split text NOT NULL,
        step integer NOT NULL,
        epoch integer NOT NULL,
        value double precision NOT NULL,
        at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX run_metrics_series_idx ON run_metrics (run_id, name, split, step)`);
    await q.query(`
      CREATE TABLE run_checkpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        run_id uuid NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        name text NOT NULL,
        blob_key text NOT NULL,
        bytes bigint NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (run_id, name)
      )`);
    await q.query(`
      CREATE TABLE model_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        model_id uuid NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        version integer NOT NULL,
        run_id uuid REFERENCES training_runs(id) ON DELETE SET NULL,
        artifact_key text NOT NULL,
        evaluation jsonb,
        dataset_sha256 text,
        parent_version_id uuid REFERENCES model_versions(id) ON DELETE SET NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (model_id, version)
      )`);
    await q.query(`
      CREATE TABLE usage_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        meter text NOT NULL CHECK (meter IN ('training_gpu_seconds', 'inference_requests')),
        quantity double precision NOT NULL CHECK (quantity >= 0),
        run_id uuid REFERENCES training_runs(id) ON DELETE SET NULL,
        attempt integer,
        idempotency_key text NOT NULL UNIQUE,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        reported_at timestamptz,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX usage_records_tenant_idx ON usage_records (tenant_id, occurred_at)`);
    for (const table of ['models', 'training_runs', 'run_attempts', 'run_events', 'run_metrics', 'run_checkpoints', 'model_versions', 'usage_records']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO tuneforge_app`);
      await q.query(`CREATE POLICY tenant_isolation ON ${table} TO tuneforge_app
        USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())`);
    }
    await q.query(`GRANT USAGE ON SEQUENCE run_events_id_seq, run_metrics_id_seq TO tuneforge_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['usage_records', 'model_versions', 'run_checkpoints', 'run_metrics', 'run_events', 'run_attempts', 'training_runs', 'models']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}

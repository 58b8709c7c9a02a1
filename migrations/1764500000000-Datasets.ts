import { MigrationInterface, QueryRunner } from 'typeorm';

/** Datasets and their single-use upload permissions, under the same row-level security as the rest. */
export class Datasets1764500000000 implements MigrationInterface {
  name = 'Datasets1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE datasets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        task text NOT NULL CHECK (task IN ('RECOMMENDATION', 'TRANSLATION', 'SUMMARIZATION', 'CLASSIFICATION')),
        format text NOT NULL CHECK (format IN ('CSV', 'TSV', 'JSONL')),
        status text NOT NULL CHECK (status IN ('UPLOADING', 'PROCESSING', 'READY', 'FAILED')),
        options jsonb NOT NULL DEFAULT '{}',
        byte_size bigint,
        row_count integer,
        sha256 text,
        stats jsonb,
        split_counts jsonb,
        column_mapping jsonb,
        has_header boolean,
        preview jsonb,
        errors jsonb NOT NULL DEFAULT '[]',
        error_count integer NOT NULL DEFAULT 0,
        failure_reason text,
        blob_key text,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        ready_at timestamptz,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX datasets_page_idx ON datasets (tenant_id, created_at, id)`);
    await q.query(`
      CREATE TABLE dataset_uploads (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        dataset_id uuid NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        max_bytes bigint NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    for (const table of ['datasets', 'dataset_uploads']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO tuneforge_app`);
      await q.query(`CREATE POLICY tenant_isolation ON ${table} TO tuneforge_app
        USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS dataset_uploads`);
    await q.query(`DROP TABLE IF EXISTS datasets`);
  }
}

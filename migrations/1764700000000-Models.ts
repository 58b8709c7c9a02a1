import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The model registry: named aliases per model (production, staging, …) that always point to a
 * version of the same model (a composite foreign key says so, not only the service), who created
 * a version, its artifact size, and soft deletion (the lineage of later versions stays readable).
 */
export class Models1764700000000 implements MigrationInterface {
  name = 'Models1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE model_versions
        ADD COLUMN created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        ADD COLUMN artifact_bytes bigint,
        ADD COLUMN deleted_at timestamptz,
        ADD CONSTRAINT model_versions_model_version_key UNIQUE (model_id, id)`);
    await q.query(`CREATE INDEX model_versions_parent_idx ON model_versions (parent_version_id) WHERE parent_version_id IS NOT NULL`);
    await q.query(`CREATE INDEX model_versions_run_idx ON model_versions (run_id)`);
    await q.query(`
      CREATE TABLE model_aliases (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        model_id uuid NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        alias text NOT NULL CHECK (alias ~ '^[A-Za-z][A-Za-z0-9._-]{0,62}$' AND alias <> 'latest'),
        version_id uuid NOT NULL,
        updated_by uuid REFERENCES users(id) ON DELETE SET NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (model_id, alias),
        FOREIGN KEY (model_id, version_id) REFERENCES model_versions (model_id, id) ON DELETE RESTRICT
      )`);
    await q.query(`CREATE INDEX model_aliases_version_idx ON model_aliases (version_id)`);
    await q.query(`ALTER TABLE model_aliases ENABLE ROW LEVEL SECURITY`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON model_aliases TO tuneforge_app`);
    await q.query(`CREATE POLICY tenant_isolation ON model_aliases TO tuneforge_app
      USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS model_aliases`);
    await q.query(`DROP INDEX IF EXISTS model_versions_parent_idx`);
    await q.query(`DROP INDEX IF EXISTS model_versions_run_idx`);
    await q.query(`ALTER TABLE model_versions DROP CONSTRAINT model_versions_model_version_key, DROP COLUMN created_by, DROP COLUMN artifact_bytes, DROP COLUMN deleted_at`);
  }
}

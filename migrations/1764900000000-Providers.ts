import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hosted-model providers (OpenAI): a tenant's API key, encrypted at rest with the server's key
 * (AES-256-GCM; only the last 4 characters are kept in clear, for "which key is this?"), and
 * zero/few-shot baselines: a chat model's answers on a dataset's test split, scored by our own
 * metric functions. OpenAI token meters join the usage ledger.
 */
export class Providers1764900000000 implements MigrationInterface {
  name = 'Providers1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE provider_credentials (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        provider text NOT NULL CHECK (provider IN ('openai')),
        ciphertext text NOT NULL,
        last4 text NOT NULL,
        updated_by uuid REFERENCES users(id) ON DELETE SET NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, provider)
      )`);
    await q.query(`
      CREATE TABLE baselines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        dataset_id uuid REFERENCES datasets(id) ON DELETE SET NULL,
        dataset_sha256 text NOT NULL,
        task text NOT NULL CHECK (task IN ('TRANSLATION', 'SUMMARIZATION', 'CLASSIFICATION')),
        provider text NOT NULL DEFAULT 'openai' CHECK (provider IN ('openai')),
        model text NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
        shots integer NOT NULL CHECK (shots BETWEEN 0 AND 8),
        sample_size integer CHECK (sample_size > 0),
        seed integer NOT NULL,
        system_prompt text NOT NULL,
        status text NOT NULL CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
        rows_evaluated integer,
        evaluation jsonb,
        error jsonb,
        prompt_tokens bigint NOT NULL DEFAULT 0,
        completion_tokens bigint NOT NULL DEFAULT 0,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX baselines_dataset_idx ON baselines (tenant_id, dataset_sha256, created_at)`);
    for (const table of ['provider_credentials', 'baselines']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO tuneforge_app`);
      await q.query(`CREATE POLICY tenant_isolation ON ${table} TO tuneforge_app USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())`);
    }
    await q.query(`ALTER TABLE usage_records DROP CONSTRAINT usage_records_meter_check`);
    await q.query(`ALTER TABLE usage_records ADD CONSTRAINT usage_records_meter_check
      CHECK (meter IN ('training_gpu_seconds', 'inference_requests', 'openai_trained_tokens', 'openai_inference_tokens'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM usage_records WHERE meter IN ('openai_trained_tokens', 'openai_inference_tokens')`);
    await q.query(`ALTER TABLE usage_records DROP CONSTRAINT usage_records_meter_check`);
    await q.query(`ALTER TABLE usage_records ADD CONSTRAINT usage_records_meter_check CHECK (meter IN ('training_gpu_seconds', 'inference_requests'))`);
    await q.query(`DROP TABLE IF EXISTS baselines`);
    await q.query(`DROP TABLE IF EXISTS provider_credentials`);
  }
}

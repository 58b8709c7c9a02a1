import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Runs and versions hosted by a provider (OpenAI fine-tuning) beside our own. A provider run has
 * no worker, no GPU time and no artifact: it is followed by a poller that claims it with a lease
 * (`provider_lease_until`, also its next poll time), mirrors the provider's events and metrics,
 * and keeps its cursors and uploaded file ids in `provider_state`. A provider version names the
 * provider's model (`provider_model`) instead of an artifact. Mirrored events carry the
 * provider's event id, unique per run, so a replay never duplicates one.
 */
export class ProviderRuns1765000000000 implements MigrationInterface {
  name = 'ProviderRuns1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE training_runs
      ADD COLUMN provider text NOT NULL DEFAULT 'local' CHECK (provider IN ('local', 'openai')),
      ADD COLUMN provider_job_id text,
      ADD COLUMN provider_state jsonb,
      ADD COLUMN provider_lease_until timestamptz`);
    await q.query(`CREATE INDEX training_runs_provider_follow_idx ON training_runs (provider_lease_until)
      WHERE provider <> 'local' AND (status IN ('QUEUED', 'PROVISIONING', 'RUNNING') OR provider_state ? 'cancelPending')`);
    await q.query(`ALTER TABLE model_versions
      ADD COLUMN provider text NOT NULL DEFAULT 'local' CHECK (provider IN ('local', 'openai')),
      ADD COLUMN provider_model text,
      ALTER COLUMN artifact_key DROP NOT NULL,
      ADD CONSTRAINT model_versions_provider_artifact_check CHECK ((provider = 'local') = (artifact_key IS NOT NULL) AND (provider = 'local') = (provider_model IS NULL))`);
    await q.query(`CREATE UNIQUE INDEX run_events_provider_event_idx ON run_events (run_id, (data->>'providerEventId')) WHERE data ? 'providerEventId'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS run_events_provider_event_idx`);
    await q.query(`DELETE FROM model_versions WHERE provider <> 'local'`);
    await q.query(`ALTER TABLE model_versions DROP CONSTRAINT model_versions_provider_artifact_check, DROP COLUMN provider_model, DROP COLUMN provider, ALTER COLUMN artifact_key SET NOT NULL`);
    await q.query(`DROP INDEX IF EXISTS training_runs_provider_follow_idx`);
    await q.query(`ALTER TABLE training_runs DROP COLUMN provider_lease_until, DROP COLUMN provider_state, DROP COLUMN provider_job_id, DROP COLUMN provider`);
  }
}

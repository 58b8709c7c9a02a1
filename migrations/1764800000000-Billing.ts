import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing: each tenant's Stripe customer and subscription state (under RLS), Stripe webhook
 * events stored once (system table, no tenant), the outbox columns of the usage ledger, and
 * the periodic ledger slices of running attempts.
 */
export class Billing1764800000000 implements MigrationInterface {
  name = 'Billing1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenant_billing (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
        stripe_customer_id text UNIQUE,
        customer_key_attempt integer NOT NULL DEFAULT 0,
        subscription_id text,
        subscription_status text,
        past_due_since timestamptz,
        current_period_start timestamptz,
        current_period_end timestamptz,
        subscription_event_at timestamptz,
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE stripe_webhook_events (
        id text PRIMARY KEY,
        type text NOT NULL,
        tenant_id uuid REFERENCES tenants(id) ON DELETE SET NULL,
        created timestamptz NOT NULL,
        received_at timestamptz(3) NOT NULL DEFAULT now(),
        outcome text NOT NULL,
        payload jsonb NOT NULL
      )`);
    // Outbox state of each ledger row. next_report_at doubles as the lease of a claimed row and
    // the backoff of a failed one; flagged rows wait for an operator and are never dropped.
    await q.query(`ALTER TABLE usage_records
      ADD COLUMN report_attempts integer NOT NULL DEFAULT 0,
      ADD COLUMN next_report_at timestamptz,
      ADD COLUMN last_report_error text,
      ADD COLUMN flagged_at timestamptz,
      ADD COLUMN cancel_requested_at timestamptz,
      ADD COLUMN cancelled_at timestamptz`);
    await q.query(`CREATE INDEX usage_records_unreported_idx ON usage_records (occurred_at) WHERE reported_at IS NULL AND flagged_at IS NULL AND cancel_requested_at IS NULL`);
    await q.query(`CREATE INDEX usage_records_cancel_idx ON usage_records (cancel_requested_at) WHERE cancel_requested_at IS NOT NULL AND cancelled_at IS NULL AND flagged_at IS NULL`);
    await q.query(`CREATE INDEX usage_records_run_idx ON usage_records (run_id)`);
    // Whole GPU-seconds of an attempt already written to the ledger, and how many slices wrote them.
    await q.query(`ALTER TABLE run_attempts
      ADD COLUMN billed_seconds bigint NOT NULL DEFAULT 0,
      ADD COLUMN slices integer NOT NULL DEFAULT 0,
      ADD COLUMN sliced_at timestamptz`);
    await q.query(`ALTER TABLE tenant_billing ENABLE ROW LEVEL SECURITY`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON tenant_billing TO tuneforge_app`);
    await q.query(`CREATE POLICY tenant_isolation ON tenant_billing TO tuneforge_app
      USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())`);
    // Webhook events are read and written by the system path only: no grant to the app role.
    await q.query(`ALTER TABLE stripe_webhook_events ENABLE ROW LEVEL SECURITY`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE run_attempts DROP COLUMN billed_seconds, DROP COLUMN slices, DROP COLUMN sliced_at`);
    await q.query(`DROP INDEX IF EXISTS usage_records_unreported_idx`);
    await q.query(`DROP INDEX IF EXISTS usage_records_cancel_idx`);
    await q.query(`DROP INDEX IF EXISTS usage_records_run_idx`);
    await q.query(`ALTER TABLE usage_records DROP COLUMN report_attempts, DROP COLUMN next_report_at, DROP COLUMN last_report_error,
      DROP COLUMN flagged_at, DROP COLUMN cancel_requested_at, DROP COLUMN cancelled_at`);
    await q.query(`DROP TABLE IF EXISTS stripe_webhook_events`);
    await q.query(`DROP TABLE IF EXISTS tenant_billing`);
  }
}

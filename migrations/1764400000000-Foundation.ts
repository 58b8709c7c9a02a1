import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenancy, users, API keys, refresh tokens, rate-limit buckets, and row-level security.
 *
 * Isolation model (see src/tenancy/README.md): the application runs tenant work as the NOLOGIN
 * role `tuneforge_app` (SET LOCAL ROLE inside each transaction). That role owns nothing and is
 * not a superuser, so the RLS policies below always apply to it. `app.tenant_id` and
 * `app.user_id` are transaction-local settings read through app_tenant_id()/app_user_id().
 */
export class Foundation1764400000000 implements MigrationInterface {
  name = 'Foundation1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tuneforge_app') THEN
          CREATE ROLE tuneforge_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
        END IF;
      END $$`);
    await q.query(`
      DO $$ BEGIN
        IF NOT pg_has_role(current_user, 'tuneforge_app', 'MEMBER') THEN
          EXECUTE format('GRANT tuneforge_app TO %I', current_user);
        END IF;
      END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO tuneforge_app`);

    await q.query(`CREATE FUNCTION app_tenant_id() RETURNS uuid LANGUAGE sql STABLE AS
      $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$`);
    await q.query(`CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE AS
      $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$`);

    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        slug text NOT NULL UNIQUE,
        plan text NOT NULL DEFAULT 'free',
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL CHECK (email = lower(email)),
        password_hash text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (email)`);
    await q.query(`
      CREATE TABLE memberships (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'MEMBER', 'VIEWER')),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, user_id)
      )`);
    await q.query(`CREATE INDEX memberships_user_idx ON memberships (user_id)`);
    await q.query(`CREATE INDEX memberships_page_idx ON memberships (tenant_id, created_at, id)`);
    await q.query(`
      CREATE TABLE invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        email text NOT NULL,
        role text NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'MEMBER', 'VIEWER')),
        token_hash text NOT NULL UNIQUE,
        invited_by uuid REFERENCES users(id) ON DELETE SET NULL,
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz,
        accepted_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX invitations_page_idx ON invitations (tenant_id, created_at, id)`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL UNIQUE,
        secret_hash text NOT NULL,
        scopes text[] NOT NULL,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX api_keys_page_idx ON api_keys (tenant_id, created_at, id)`);
    await q.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        family_id uuid NOT NULL,
        tenant_id uuid REFERENCES tenants(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)`);
    // Shared leaky buckets (all API replicas see the same state). Losing it on a crash only refills buckets.
    await q.query(`
      CREATE UNLOGGED TABLE rate_limit_buckets (
        key text PRIMARY KEY,
        available double precision NOT NULL,
        last_allowed boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);

    // Row-level security: tenant-owned tables see only the current tenant's rows.
    for (const table of ['memberships', 'invitations', 'api_keys', 'tenants', 'users']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO tuneforge_app`);
    }
    await q.query(`CREATE POLICY tenant_isolation ON invitations TO tuneforge_app
      USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())`);
    await q.query(`CREATE POLICY tenant_isolation ON api_keys TO tuneforge_app
      USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())`);
    // A user also sees their own memberships in other tenants (the tenant switcher needs them).
    await q.query(`CREATE POLICY tenant_isolation ON memberships TO tuneforge_app
      USING (tenant_id = app_tenant_id() OR user_id = app_user_id())
      WITH CHECK (tenant_id = app_tenant_id())`);
    await q.query(`CREATE POLICY tenant_isolation ON tenants TO tuneforge_app
      USING (id = app_tenant_id() OR EXISTS (
        SELECT 1 FROM memberships m WHERE m.tenant_id = tenants.id AND m.user_id = app_user_id()))
      WITH CHECK (id = app_tenant_id())`);
    // Users are visible to themselves and to tenants they belong to.
    await q.query(`CREATE POLICY tenant_isolation ON users TO tuneforge_app
      USING (id = app_user_id() OR EXISTS (
        SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.tenant_id = app_tenant_id()))
      WITH CHECK (id = app_user_id())`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['rate_limit_buckets', 'refresh_tokens', 'api_keys', 'invitations', 'memberships', 'users', 'tenants']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS app_user_id()`);
    await q.query(`DROP FUNCTION IF EXISTS app_tenant_id()`);
  }
}

import { createHash } from 'node:crypto';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';

/** Who a unit of work acts for. `tenantId` drives row-level security; `userId` widens it to the user's own rows. */
export interface TenantScope {
  tenantId: string;
  userId?: string | null;
}

/** The NOLOGIN role that row-level security applies to (created by the first migration). */
export const APP_ROLE = 'tuneforge_app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * BEGIN and the scope settings in one round trip (a simple-protocol query cannot carry
 * parameters, so the ids are checked to be UUIDs before they are inlined).
 */
function beginScopedSql(scope: TenantScope): string {
  const user = scope.userId ?? '';
  if (!UUID.test(scope.tenantId) || (user && !UUID.test(user))) throw new Error('tenant scope ids must be UUIDs');
  return `BEGIN; SELECT set_config('role', '${APP_ROLE}', true), set_config('app.tenant_id', '${scope.tenantId}', true), set_config('app.user_id', '${user}', true)`;
}

type PgClient = { query: (...args: unknown[]) => unknown };
const restorers = new WeakMap<QueryRunner, () => void>();

/**
 * Sends a transaction's queries to its connection one after another. Sibling GraphQL resolvers
 * share the request's connection and query it concurrently; pg 8 queues such calls itself but
 * deprecates it (pg 9 throws). Promise-style calls only (what TypeORM and `preparedQuery` use);
 * undone when the connection goes back to the pool (`release`).
 */
function oneAtATime(runner: QueryRunner, client: PgClient): void {
  const original = client.query;
  let tail: Promise<unknown> = Promise.resolve();
  client.query = (...args: unknown[]) => {
    const callbackStyle = typeof args.at(-1) === 'function' || typeof (args[0] as { submit?: unknown })?.submit === 'function';
    if (callbackStyle) return original.apply(client, args);
    const run = tail.then(() => original.apply(client, args));
    tail = run.catch(() => undefined);
    return run;
  };
  restorers.set(runner, () => {
    client.query = original;
  });
}

/** Gives the connection back to the pool as it came (see `oneAtATime`). */
async function release(runner: QueryRunner): Promise<void> {
  restorers.get(runner)?.();
  restorers.delete(runner);
  await runner.release();
}

/**
 * A transaction opened lazily, bound to one tenant: the first `manager()` call begins it,
 * switches to the RLS-bound role and sets `app.tenant_id`; `finish()` commits or rolls back.
 * One per GraphQL request, one per job.
 */
export class TenantTransaction {
  private opening: Promise<QueryRunner> | null = null;
  private finished = false;

  constructor(private readonly dataSource: DataSource, readonly scope: TenantScope) {}

  /** Whether the transaction has begun, is beginning or is over. */
  get started(): boolean {
    return this.opening !== null || this.finished;
  }

  async manager(): Promise<EntityManager> {
    if (this.finished) throw new Error('tenant transaction already finished');
    this.opening ??= this.open();
    return (await this.opening).manager;
  }

  private async open(): Promise<QueryRunner> {
    const runner = this.dataSource.createQueryRunner();
    let client: { query(text: string): Promise<unknown> } | null = null;
    try {
      client = (await runner.connect()) as { query(text: string): Promise<unknown> };
      oneAtATime(runner, client as PgClient);
      await client.query(beginScopedSql(this.scope));
      // Tell TypeORM the transaction it did not start is open, so commit/rollback and nested saves behave.
      Object.assign(runner, { isTransactionActive: true, transactionDepth: 1 });
      return runner;
    } catch (err) {
      // A batch stops at its failing statement, inside the transaction: end it before the pool reuses the connection.
      await client?.query('ROLLBACK').catch(() => undefined);
      await release(runner);
      throw err;
    }
  }

  /**
   * Commits what is open and gives the connection back to the pool; a later `manager()` call begins
   * a new transaction. For a request about to wait on work that needs no database (model inference),
   * so waiting requests do not hold the pool.
   */
  async commitAndRelease(): Promise<void> {
    if (this.finished || !this.opening) return;
    const opening = this.opening;
    this.opening = null;
    const runner = await opening.catch(() => null);
    if (!runner) return;
    try {
      if (runner.isTransactionActive) await runner.commitTransaction();
    } finally {
      await release(runner);
    }
  }

  /**
   * Commits when `ok`, otherwise rolls back; always releases the connection. Idempotent, and safe
   * while the transaction is still opening (a client that hangs up mid-request): it waits for the
   * connection, then rolls back; later `manager()` calls fail instead of opening a new one.
   */
  async finish(ok: boolean): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (!this.opening) return;
    const runner = await this.opening.catch(() => null);
    if (!runner) return;
    try {
      if (runner.isTransactionActive) {
        if (ok) await runner.commitTransaction();
        else await runner.rollbackTransaction();
      }
    } finally {
      await release(runner);
    }
  }
}

/** Entry points to Postgres for services: tenant-scoped work, and the few system operations of auth. */
export class Database {
  constructor(readonly dataSource: DataSource) {}

  /** Runs `fn` in its own transaction as the RLS-bound role for `scope`; commits if it resolves. */
  async withTenant<T>(scope: TenantScope, fn: (m: EntityManager) => Promise<T>): Promise<T> {
    const tx = new TenantTransaction(this.dataSource, scope);
    try {
      const result = await fn(await tx.manager());
      await tx.finish(true);
      return result;
    } catch (err) {
      await tx.finish(false);
      throw err;
    }
  }

  /**
   * Runs `fn` in a transaction as the owning role, outside row-level security. Only for the
   * operations that precede a tenant (sign-up, log-in, token refresh, API-key lookup, invitations).
   */
  system<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }
}

const statementNames = new Map<string, string>();

/**
 * Runs a hot statement as a named prepared statement, on the manager's transaction connection or
 * on the pool, so Postgres plans it once per connection instead of on every call: with row-level
 * security a small lookup costs more to plan than to run. Postgres re-plans by itself when the
 * role, the row-security environment or the schema changes, so a cached plan never crosses tenants
 * (the tenant is a setting read at execution, not a constant of the plan). Returns the rows.
 */
export async function preparedQuery<R>(target: EntityManager | DataSource, text: string, values: unknown[]): Promise<R[]> {
  let name = statementNames.get(text);
  if (!name) {
    name = `tf_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  const query = { name, text, values };
  if (target instanceof DataSource) {
    const pool = (target.driver as unknown as { master: { query(q: typeof query): Promise<{ rows: R[] }> } }).master;
    return (await pool.query(query)).rows;
  }
  const runner = target.queryRunner;
  if (!runner) return target.query(text, values);
  const client = (await runner.connect()) as { query(q: typeof query): Promise<{ rows: R[] }> };
  return (await client.query(query)).rows;
}

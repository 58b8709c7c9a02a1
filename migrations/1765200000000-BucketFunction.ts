import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rate-limit take for a batch of requests (a replica's takes that arrived while its previous
 * batch was in flight), in one statement: a tenant's hot bucket row is then updated by one
 * transaction per batch instead of one per request, which under load spent more time waiting on
 * that row's lock than working.
 *
 * Per request (arrays indexed by request): `p_users` / `p_tenants` — with a user, nothing of that
 * request is taken unless the user is a member of the tenant. Per take (arrays indexed by take,
 * ordered by key by the caller so every batch locks rows in the same order): `p_request` (its
 * request's 1-based index), `p_keys`, `p_capacity`, `p_rate`, `p_cost`. Each bucket decides on its
 * own, in the order given. Returns per request `o_member` (false: not a member, nothing taken) and
 * `o_roles`; per take `o_available` and `o_allowed` (null when its request was skipped).
 */
export class BucketFunction1765200000000 implements MigrationInterface {
  name = 'BucketFunction1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION tf_take_bucket_batch(p_users uuid[], p_tenants uuid[], p_request int[], p_keys text[], p_capacity float8[], p_rate float8[], p_cost float8[],
                                           OUT o_member boolean[], OUT o_roles text[], OUT o_available float8[], OUT o_allowed boolean[])
      LANGUAGE plpgsql AS $$
      DECLARE
        n int := coalesce(cardinality(p_users), 0);
        r int;
        i int;
        v_role text;
        a float8;
        ok boolean;
      BEGIN
        PERFORM set_config('synchronous_commit', 'off', true);
        o_member := '{}';
        o_roles := '{}';
        FOR r IN 1 .. n LOOP
          v_role := NULL;
          IF p_users[r] IS NOT NULL THEN
            SELECT m.role INTO v_role FROM memberships m WHERE m.user_id = p_users[r] AND m.tenant_id = p_tenants[r];
          END IF;
          o_member := o_member || (p_users[r] IS NULL OR v_role IS NOT NULL);
          o_roles := o_roles || v_role;
        END LOOP;
        o_available := '{}';
        o_allowed := '{}';
        FOR i IN 1 .. coalesce(cardinality(p_keys), 0) LOOP
          IF NOT o_member[p_request[i]] THEN
            o_available := o_available || NULL::float8;
            o_allowed := o_allowed || NULL::boolean;
            CONTINUE;
          END IF;
          INSERT INTO rate_limit_buckets AS b (key, available, updated_at, last_allowed)
          VALUES (p_keys[i], CASE WHEN p_cost[i] <= p_capacity[i] THEN p_capacity[i] - p_cost[i] ELSE p_capacity[i] END,
                  clock_timestamp(), p_cost[i] <= p_capacity[i])
          ON CONFLICT (key) DO UPDATE SET
            available = LEAST(p_capacity[i], b.available + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * p_rate[i])
              - CASE WHEN LEAST(p_capacity[i], b.available + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * p_rate[i]) >= p_cost[i]
                     THEN p_cost[i] ELSE 0 END,
            last_allowed = LEAST(p_capacity[i], b.available + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * p_rate[i]) >= p_cost[i],
            updated_at = clock_timestamp()
          RETURNING b.available, b.last_allowed INTO a, ok;
          o_available := o_available || a;
          o_allowed := o_allowed || ok;
        END LOOP;
      END $$`);
    await q.query(`REVOKE ALL ON FUNCTION tf_take_bucket_batch(uuid[], uuid[], int[], text[], float8[], float8[], float8[]) FROM PUBLIC`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS tf_take_bucket_batch(uuid[], uuid[], int[], text[], float8[], float8[], float8[])`);
  }
}

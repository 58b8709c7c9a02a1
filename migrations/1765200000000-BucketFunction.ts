import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rate-limit take as a function: the membership check and a refill-then-take of each bucket
 * (keys in the caller's order), with `synchronous_commit` off for its transaction. As a function its
 * plans are cached per connection, so the API can send it inline in the same round trip that
 * begins a request's tenant transaction (a simple-protocol batch, which cannot use a prepared
 * statement) without planning it each time.
 *
 * With `p_user`, nothing is taken unless that user is a member of `p_tenant`; `o_role` is then
 * null and so are the arrays.
 */
export class BucketFunction1765200000000 implements MigrationInterface {
  name = 'BucketFunction1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION tf_take_buckets(p_user uuid, p_tenant uuid, p_keys text[], p_capacity float8[], p_rate float8[], p_cost float8[],
                                      OUT o_role text, OUT o_available float8[], OUT o_allowed boolean[])
      LANGUAGE plpgsql AS $$
      DECLARE
        i int;
        a float8;
        ok boolean;
      BEGIN
        IF p_user IS NOT NULL THEN
          SELECT m.role INTO o_role FROM memberships m WHERE m.user_id = p_user AND m.tenant_id = p_tenant;
          IF o_role IS NULL THEN RETURN; END IF;
        END IF;
        -- A bucket's last milliseconds of state may be lost in a crash (a caller gets a few requests
        -- back); no request waits for a WAL flush just to be counted.
        PERFORM set_config('synchronous_commit', 'off', true);
        o_available := '{}';
        o_allowed := '{}';
        FOR i IN 1 .. coalesce(cardinality(p_keys), 0) LOOP
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
    // Only the owning role (the API's login role) takes from buckets; not the RLS-bound app role.
    await q.query(`REVOKE ALL ON FUNCTION tf_take_buckets(uuid, uuid, text[], float8[], float8[], float8[]) FROM PUBLIC`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS tf_take_buckets(uuid, uuid, text[], float8[], float8[], float8[])`);
  }
}

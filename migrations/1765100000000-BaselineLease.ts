import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Baselines evaluate in the background of the API process that accepted them. A lease, renewed
 * while the evaluation runs, tells a crashed process's baselines (lease expired, still RUNNING)
 * from live ones, so a sweep can fail them instead of leaving them RUNNING forever.
 */
export class BaselineLease1765100000000 implements MigrationInterface {
  name = 'BaselineLease1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE baselines ADD COLUMN lease_until timestamptz`);
    // Baselines RUNNING before this migration have nobody renewing them: the first sweep ends them.
    await q.query(`UPDATE baselines SET lease_until = now() WHERE status = 'RUNNING'`);
    await q.query(`CREATE INDEX baselines_running_lease_idx ON baselines (lease_until) WHERE status = 'RUNNING'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS baselines_running_lease_idx`);
    await q.query(`ALTER TABLE baselines DROP COLUMN lease_until`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which run queue (deployment) a run was launched into, so a deployment's reaper requeues only
 * its own silent runs: deployments sharing one database with different RUN_QUEUE names (and
 * heartbeat timeouts) leave each other's runs alone.
 */
export class RunQueueScope1764750000000 implements MigrationInterface {
  name = 'RunQueueScope1764750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE training_runs ADD COLUMN queue text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE training_runs DROP COLUMN queue`);
  }
}

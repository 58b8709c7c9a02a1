import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Split files: a dataset may arrive as one file per split (train, validation, test), each with its
 * own single-use upload. A part's upload row remembers its split and, once its file validated,
 * the temporary blob holding its canonical rows and what it measured, until all parts are in.
 */
export class SplitFiles1764950000000 implements MigrationInterface {
  name = 'SplitFiles1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE dataset_uploads
        ADD COLUMN split text CHECK (split IN ('train', 'validation', 'test')),
        ADD COLUMN finished_at timestamptz,
        ADD COLUMN temp_key text,
        ADD COLUMN result jsonb`);
    await q.query(`CREATE UNIQUE INDEX dataset_uploads_split_idx ON dataset_uploads (dataset_id, split) WHERE split IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS dataset_uploads_split_idx`);
    await q.query(`ALTER TABLE dataset_uploads DROP COLUMN split, DROP COLUMN finished_at, DROP COLUMN temp_key, DROP COLUMN result`);
  }
}

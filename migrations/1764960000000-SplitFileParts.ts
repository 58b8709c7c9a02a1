import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Split-file parts wait in durable blobs (`tenants/<t>/datasets/<d>/parts/<split>.jsonl`), not in
 * temporary ones: the temp-blob sweep deletes those after 24 h while the other files' upload URLs
 * may live for days. The column now names that durable key, set when the part's PUT begins, so a
 * crash at any point leaves a key the sweep can find.
 */
export class SplitFileParts1764960000000 implements MigrationInterface {
  name = 'SplitFileParts1764960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dataset_uploads RENAME COLUMN temp_key TO part_key`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dataset_uploads RENAME COLUMN part_key TO temp_key`);
  }
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { SplitName } from './ingest';

/**
 * What a part of a split-file dataset measured once its file was in (`Dataset.files` shows it;
 * the join uses it). `rowCount` is null when the file failed validation.
 */
export interface PartResult { byteSize: number; sha256: string; rowCount: number | null; columnMapping: Record<string, string>; hasHeader: boolean }

/**
 * A single-use, short-lived permission to PUT the bytes of one dataset, or of one split of a
 * split-file dataset (`split`). Only a hash of its token is stored.
 */
@Entity('dataset_uploads')
export class DatasetUpload {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'dataset_id' }) datasetId!: string;
  @Column('text', { name: 'token_hash' }) tokenHash!: string;
  @Column('bigint', { name: 'max_bytes', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) maxBytes!: number;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt!: Date;
  @Column('timestamptz', { name: 'used_at', nullable: true }) usedAt!: Date | null;
  /** The split this file holds (split files); null for a single file. */
  @Column('text', { nullable: true }) split!: SplitName | null;
  /** When this part's file was validated or refused (split files). */
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
  /**
   * The durable blob of this part's canonical rows (`partBlobKey`), set when its PUT begins and
   * cleared once the blob is deleted (after the join, or when the dataset fails or is deleted).
   */
  @Column('text', { name: 'part_key', nullable: true }) partKey!: string | null;
  @Column('jsonb', { nullable: true }) result!: PartResult | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

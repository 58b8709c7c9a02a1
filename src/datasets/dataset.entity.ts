import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { DatasetFormat, DatasetStats, DatasetTask, RowError } from './ingest';

export type DatasetStatus = 'UPLOADING' | 'PROCESSING' | 'READY' | 'FAILED';

/** An uploaded file for one task: validated, stored as canonical JSONL with a split per row. */
@Entity('datasets')
export class Dataset {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('text') name!: string;
  @Column('text') task!: DatasetTask;
  @Column('text') format!: DatasetFormat;
  @Column('text') status!: DatasetStatus;
  @Column('jsonb', { default: {} }) options!: Record<string, unknown>;
  @Column('bigint', { name: 'byte_size', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) } }) byteSize!: number | null;
  @Column('integer', { name: 'row_count', nullable: true }) rowCount!: number | null;
  @Column('text', { nullable: true }) sha256!: string | null;
  @Column('jsonb', { nullable: true }) stats!: DatasetStats | null;
  @Column('jsonb', { name: 'split_counts', nullable: true }) splitCounts!: { train: number; validation: number; test: number } | null;
  @Column('jsonb', { name: 'column_mapping', nullable: true }) columnMapping!: Record<string, string> | null;
  @Column('boolean', { name: 'has_header', nullable: true }) hasHeader!: boolean | null;
  @Column('jsonb', { nullable: true }) preview!: Record<string, unknown>[] | null;
  @Column('jsonb', { default: [] }) errors!: RowError[];
  @Column('integer', { name: 'error_count', default: 0 }) errorCount!: number;
  @Column('text', { name: 'failure_reason', nullable: true }) failureReason!: string | null;
  @Column('text', { name: 'blob_key', nullable: true }) blobKey!: string | null;
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy!: string | null;
  @Column('timestamptz', { name: 'ready_at', nullable: true }) readyAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

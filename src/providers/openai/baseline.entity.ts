import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { RunEvaluation } from '../../training/training-run.entity';

export type BaselineStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

const bigint = { to: (v: number) => v, from: (v: string | null) => (v === null ? 0 : Number(v)) };

/** A chat model's zero- or few-shot answers on a dataset's test split, scored by our metric functions. */
@Entity('baselines')
export class Baseline {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'dataset_id', nullable: true }) datasetId!: string | null;
  @Column('text', { name: 'dataset_sha256' }) datasetSha256!: string;
  @Column('text') task!: 'TRANSLATION' | 'SUMMARIZATION' | 'CLASSIFICATION';
  @Column('text') provider!: 'openai';
  @Column('text') model!: string;
  @Column('integer') shots!: number;
  @Column('integer', { name: 'sample_size', nullable: true }) sampleSize!: number | null;
  @Column('integer') seed!: number;
  @Column('text', { name: 'system_prompt' }) systemPrompt!: string;
  @Column('text') status!: BaselineStatus;
  @Column('integer', { name: 'rows_evaluated', nullable: true }) rowsEvaluated!: number | null;
  @Column('jsonb', { nullable: true }) evaluation!: RunEvaluation | null;
  @Column('jsonb', { nullable: true }) error!: { code: string; message: string } | null;
  @Column('bigint', { name: 'prompt_tokens', transformer: bigint }) promptTokens!: number;
  @Column('bigint', { name: 'completion_tokens', transformer: bigint }) completionTokens!: number;
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
  /** While RUNNING: renewed by the process evaluating it; past, the process is gone (see `sweepInterrupted`). */
  @Column('timestamptz', { name: 'lease_until', nullable: true }) leaseUntil!: Date | null;
}

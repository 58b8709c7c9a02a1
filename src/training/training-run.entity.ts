import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { DatasetTask } from '../datasets/ingest';
import type { RunStatus } from './run-status';

export interface RunProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  totalEpochs: number;
  etaSeconds: number | null;
}

export interface RunEvaluation {
  split: string;
  metrics: Record<string, number>;
  baseline: Record<string, number>;
  details?: Record<string, unknown>;
}

/** Who trains a run: our own trainer on the GPU pool, or a hosted provider's fine-tuning API. */
export type RunProvider = 'local' | 'openai';

/** What the poller of a provider run keeps between polls (and across restarts). */
export interface ProviderRunState {
  /** The system prompt the rows were converted with (the tenant's or the task's, labels filled in). */
  systemPrompt: string;
  /** Classification: the train split's labels, in the order the prompt lists them. */
  labels: string[];
  /** The provider's base model (a preset name or a parent version's provider model). */
  baseModel: string;
  trainingFileId?: string;
  validationFileId?: string | null;
  /** Set before the job is created, so a poller that died in between looks the job up instead of creating a second. */
  submitting?: boolean;
  /** Newest provider event already mirrored into run events and metrics. */
  lastEventId?: string | null;
  /** Provider checkpoints already mirrored. */
  checkpointIds?: string[];
  /** Steps per epoch, once the provider resolved `auto` hyperparameters. */
  stepsPerEpoch?: number | null;
  /** Transient failures in a row (unreachable, 429/5xx after the client's retries). */
  failures?: number;
  /** The run was cancelled here but the provider has not confirmed the job's cancellation yet. */
  cancelPending?: boolean;
  /** The uploaded training/validation files were deleted at the provider once the run ended. */
  filesDeleted?: boolean;
}

/** One fine-tuning job: dataset + base + hyperparameters → a new model version. */
@Entity('training_runs')
export class TrainingRun {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'model_id' }) modelId!: string;
  @Column('text') task!: DatasetTask;
  @Column('uuid', { name: 'dataset_id', nullable: true }) datasetId!: string | null;
  @Column('text', { name: 'dataset_sha256' }) datasetSha256!: string;
  @Column('text', { name: 'base_model', nullable: true }) baseModel!: string | null;
  @Column('uuid', { name: 'parent_version_id', nullable: true }) parentVersionId!: string | null;
  @Column('jsonb') hyperparameters!: Record<string, unknown>;
  @Column('integer') gpus!: number;
  @Column('text', { name: 'idempotency_key', nullable: true }) idempotencyKey!: string | null;
  /** The run queue (deployment) it was launched into; that deployment's reaper watches it. */
  @Column('text', { nullable: true }) queue!: string | null;
  @Column('text') status!: RunStatus;
  @Column('integer') attempt!: number;
  @Column('integer', { name: 'max_attempts' }) maxAttempts!: number;
  @Column('text', { name: 'token_hash', nullable: true, select: false }) tokenHash!: string | null;
  @Column('jsonb', { nullable: true }) progress!: RunProgress | null;
  @Column('text', { nullable: true }) backend!: string | null;
  @Column('jsonb', { nullable: true }) evaluation!: RunEvaluation | null;
  @Column('jsonb', { nullable: true }) error!: { code: string; message: string } | null;
  @Column('text', { default: 'local' }) provider!: RunProvider;
  /** The provider's job id (OpenAI `ftjob-…`), once submitted. */
  @Column('text', { name: 'provider_job_id', nullable: true }) providerJobId!: string | null;
  @Column('jsonb', { name: 'provider_state', nullable: true }) providerState!: ProviderRunState | null;
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy!: string | null;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
  @Column('timestamptz', { name: 'last_heartbeat_at', nullable: true }) lastHeartbeatAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

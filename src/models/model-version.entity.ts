import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The artifact (or provider-hosted model) of a succeeded run, with its test-split evaluation beside the baseline. */
@Entity('model_versions')
export class ModelVersion {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'model_id' }) modelId!: string;
  @Column('integer') version!: number;
  @Column('uuid', { name: 'run_id', nullable: true }) runId!: string | null;
  /** Packed artifact in the blob store; null for a provider-hosted version (the provider keeps the weights). */
  @Column('text', { name: 'artifact_key', nullable: true }) artifactKey!: string | null;
  @Column('text', { default: 'local' }) provider!: 'local' | 'openai';
  /** The provider's model id (OpenAI `ft:gpt-4o-mini-…`), for a provider-hosted version. */
  @Column('text', { name: 'provider_model', nullable: true }) providerModel!: string | null;
  @Column('bigint', { name: 'artifact_bytes', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  artifactBytes!: number | null;
  @Column('jsonb', { nullable: true }) evaluation!: Record<string, unknown> | null;
  @Column('text', { name: 'dataset_sha256', nullable: true }) datasetSha256!: string | null;
  @Column('uuid', { name: 'parent_version_id', nullable: true }) parentVersionId!: string | null;
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy!: string | null;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

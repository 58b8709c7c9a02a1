import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The artifact of a succeeded run, with its test-split evaluation beside the baseline. */
@Entity('model_versions')
export class ModelVersion {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'model_id' }) modelId!: string;
  @Column('integer') version!: number;
  @Column('uuid', { name: 'run_id', nullable: true }) runId!: string | null;
  @Column('text', { name: 'artifact_key' }) artifactKey!: string;
  @Column('jsonb', { nullable: true }) evaluation!: Record<string, unknown> | null;
  @Column('text', { name: 'dataset_sha256', nullable: true }) datasetSha256!: string | null;
  @Column('uuid', { name: 'parent_version_id', nullable: true }) parentVersionId!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

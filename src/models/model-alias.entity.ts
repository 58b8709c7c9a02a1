import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A named pointer (production, staging, …) from a model to one of its versions, moved with setModelAlias. */
@Entity('model_aliases')
export class ModelAlias {
  @PrimaryColumn('uuid', { name: 'model_id' }) modelId!: string;
  @PrimaryColumn('text') alias!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'version_id' }) versionId!: string;
  @Column('uuid', { name: 'updated_by', nullable: true }) updatedBy!: string | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

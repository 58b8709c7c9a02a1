import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A single-use, short-lived permission to PUT the bytes of one dataset. Only a hash of its token is stored. */
@Entity('dataset_uploads')
export class DatasetUpload {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'dataset_id' }) datasetId!: string;
  @Column('text', { name: 'token_hash' }) tokenHash!: string;
  @Column('bigint', { name: 'max_bytes', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) maxBytes!: number;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt!: Date;
  @Column('timestamptz', { name: 'used_at', nullable: true }) usedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A tenant's key for a hosted-model provider, sealed by SecretBox. The ciphertext is never selected by default. */
@Entity('provider_credentials')
export class ProviderCredential {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('text') provider!: 'openai';
  @Column('text', { select: false }) ciphertext!: string;
  @Column('text') last4!: string;
  @Column('uuid', { name: 'updated_by', nullable: true }) updatedBy!: string | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

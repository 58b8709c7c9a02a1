import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A person. Not tenant-owned: memberships tie users to tenants. */
@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** Stored lower-cased. */
  @Column('text') email!: string;
  /** scrypt, PHC-formatted (see secrets.ts); never leaves through a GraphQL type. */
  @Column('text', { name: 'password_hash', select: false }) passwordHash!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

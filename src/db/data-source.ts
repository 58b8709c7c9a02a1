import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { Foundation1764400000000 } from '../../migrations/1764400000000-Foundation';
import { Datasets1764500000000 } from '../../migrations/1764500000000-Datasets';
import { Training1764600000000 } from '../../migrations/1764600000000-Training';
import { Models1764700000000 } from '../../migrations/1764700000000-Models';
import { RunQueueScope1764750000000 } from '../../migrations/1764750000000-RunQueueScope';
import { Billing1764800000000 } from '../../migrations/1764800000000-Billing';
import { Providers1764900000000 } from '../../migrations/1764900000000-Providers';
import { SplitFiles1764950000000 } from '../../migrations/1764950000000-SplitFiles';
import { SplitFileParts1764960000000 } from '../../migrations/1764960000000-SplitFileParts';
import { ProviderRuns1765000000000 } from '../../migrations/1765000000000-ProviderRuns';
import { BaselineLease1765100000000 } from '../../migrations/1765100000000-BaselineLease';
import { BucketFunction1765200000000 } from '../../migrations/1765200000000-BucketFunction';
import { Baseline } from '../providers/openai/baseline.entity';
import { ProviderCredential } from '../providers/openai/provider-credential.entity';
import { Model } from '../models/model.entity';
import { ModelVersion } from '../models/model-version.entity';
import { ModelAlias } from '../models/model-alias.entity';
import { TrainingRun } from '../training/training-run.entity';
import { DatasetUpload } from '../datasets/dataset-upload.entity';
import { Dataset } from '../datasets/dataset.entity';
import { ApiKey } from '../auth/api-key.entity';
import { RefreshToken } from '../auth/refresh-token.entity';
import { User } from '../auth/user.entity';
import { Invitation } from '../tenancy/invitation.entity';
import { Membership } from '../tenancy/membership.entity';
import { Tenant } from '../tenancy/tenant.entity';

/** Every entity, listed explicitly (no globs: they break under jest and bundlers). */
export const entities = [Tenant, User, Membership, Invitation, ApiKey, RefreshToken, Dataset, DatasetUpload, Model, ModelVersion, ModelAlias, TrainingRun, ProviderCredential, Baseline];
/** Every migration, in order. Hand-written SQL; `synchronize` is never on. */
export const migrations = [Foundation1764400000000, Datasets1764500000000, Training1764600000000, Models1764700000000, RunQueueScope1764750000000, Billing1764800000000, Providers1764900000000, SplitFiles1764950000000, SplitFileParts1764960000000, ProviderRuns1765000000000, BaselineLease1765100000000, BucketFunction1765200000000];

/** Builds the one DataSource of a process for a connection string. */
export function createDataSource(url: string, poolSize = 20): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: poolSize, application_name: 'tuneforge' },
  });
}

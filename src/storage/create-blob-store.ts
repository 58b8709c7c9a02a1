import path from 'node:path';
import { Config } from '../config';
import { BlobStore, LocalBlobStore } from './blob-store';
import type { S3BlobStore as S3BlobStoreType } from './s3-blob-store';

/** The blob store BLOB_STORE names: files under DATA_DIR/blobs (default) or an S3-compatible bucket. */
export function createBlobStore(config: Config): BlobStore {
  if (config.BLOB_STORE === 'local') return new LocalBlobStore(path.join(config.DATA_DIR, 'blobs'));
  if (!config.S3_BUCKET) throw new Error('S3_BUCKET is required when BLOB_STORE=s3');
  // Loaded only for S3: the AWS SDK costs the API process ~10 MB of memory it does not otherwise need.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { S3BlobStore } = require('./s3-blob-store') as { S3BlobStore: typeof S3BlobStoreType };
  return new S3BlobStore({
    bucket: config.S3_BUCKET,
    prefix: config.S3_PREFIX,
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    credentials:
      config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
        : undefined,
  });
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config';
import { LocalBlobStore } from './blob-store';
import { createBlobStore } from './create-blob-store';
import { S3BlobStore } from './s3-blob-store';

describe('BLOB_STORE configuration', () => {
  it('defaults to files under DATA_DIR/blobs', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneforge-cfg-'));
    expect(createBlobStore(loadConfig({ DATA_DIR: dir }))).toBeInstanceOf(LocalBlobStore);
    expect(fs.existsSync(path.join(dir, 'blobs', 'tmp'))).toBe(true);
  });

  it('builds an S3 store from the S3_* variables', () => {
    const store = createBlobStore(loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'tf-blobs', S3_PREFIX: 'prod/', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: 'true' }));
    expect(store).toBeInstanceOf(S3BlobStore);
    expect(store).toMatchObject({ bucket: 'tf-blobs', prefix: 'prod/' });
    (store as S3BlobStore).close();
  });

  it('refuses BLOB_STORE=s3 without a bucket, half a key pair, and a prefix without a trailing slash', () => {
    expect(() => loadConfig({ BLOB_STORE: 's3' })).toThrow(ConfigError);
    expect(() => loadConfig({ BLOB_STORE: 's3' })).toThrow(/S3_BUCKET: required when BLOB_STORE=s3/);
    expect(() => loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'only-the-id' })).toThrow(/S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY/);
    expect(() => loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'b', S3_PREFIX: 'prod' })).toThrow(/S3_PREFIX/);
    expect(() => loadConfig({ BLOB_STORE: 'gcs' })).toThrow(/BLOB_STORE/);
  });
});

import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough, Readable, Writable } from 'node:stream';
import { assertBlobKey, BlobStore, newTempKey } from './blob-store';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface S3BlobStoreOptions {
  bucket: string;
  /** Prepended to every key (e.g. `prod/`), so deployments can share a bucket. Empty or ending in `/`. */
  prefix?: string;
  region?: string;
  /** An S3-compatible service (MinIO, R2, Ceph…); unset: AWS S3 in `region`. */
  endpoint?: string;
  /** `endpoint/bucket/key` instead of `bucket.endpoint/key`; most non-AWS services need it. */
  forcePathStyle?: boolean;
  /** Unset: the SDK's default chain (env, profile, IRSA, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Multipart part size of `createTemp` uploads (S3: at least 5 MiB). 10,000 parts bound a blob: 80 GB at 8 MiB. */
  partSize?: number;
  /** Parts in flight per upload; memory per upload is about (queueSize + 1) × partSize. */
  queueSize?: number;
  /** Objects larger than this are committed with UploadPartCopy instead of one CopyObject (S3's limit is 5 GiB). */
  multipartCopyThreshold?: number;
  /** Part size of a multipart copy (S3: 5 MiB to 5 GiB). */
  copyPartSize?: number;
}

/** The error `read` rejects with for a missing blob, shaped like the local store's (`code: 'ENOENT'`). */
export class BlobNotFoundError extends Error {
  readonly code = 'ENOENT';
  constructor(key: string) {
    super(`blob "${key}" does not exist`);
  }
}

const isNotFound = (err: unknown) =>
  err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata.httpStatusCode === 404);

/**
 * Blobs in an S3-compatible bucket. `createTemp` streams into a multipart upload under
 * `<prefix>tmp/…` in constant memory (about (queueSize + 1) × partSize); the writable finishes only
 * once the object exists, errors surface on it, and destroying it aborts the multipart upload.
 * `commit` is CopyObject (UploadPartCopy above `multipartCopyThreshold`) then DeleteObject: not
 * atomic like a rename, but the target key only ever holds a complete copy; a crash between the
 * two leaves a temp object for `sweepTemp`.
 *
 * Not done here: multipart uploads left incomplete by a crashed process are invisible to
 * ListObjects; give the bucket an `AbortIncompleteMultipartUpload` lifecycle rule.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  readonly bucket: string;
  /** Prepended to every key. */
  readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly multipartCopyThreshold: number;
  private readonly copyPartSize: number;
  /** Temp uploads still running in this process, so `delete`/`commit` of their key wait for them to settle. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(options: S3BlobStoreOptions) {
    const prefix = options.prefix ?? '';
    if (prefix !== '' && !/^([A-Za-z0-9._-]+\/)+$/.test(prefix)) throw new Error(`invalid S3 key prefix "${prefix}": "/"-separated segments ending in "/"`);
    this.bucket = options.bucket;
    this.prefix = prefix;
    this.partSize = options.partSize ?? 8 * MiB;
    this.queueSize = options.queueSize ?? 2;
    this.multipartCopyThreshold = options.multipartCopyThreshold ?? 5 * GiB;
    this.copyPartSize = options.copyPartSize ?? 512 * MiB;
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  private objectKey(key: string): string {
    return this.prefix + assertBlobKey(key);
  }

  createTemp(): { key: string; stream: Writable } {
    const key = newTempKey();
    const body = new PassThrough();
    // Failures reach the caller through `done` below; an unheard 'error' on the body must not crash the process.
    body.on('error', () => {});
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.objectKey(key), Body: body },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    // Rejects after lib-storage has sent AbortMultipartUpload (a failed part, or the body destroyed below).
    const done = upload.done().then(() => undefined);
    this.pending.set(key, done.catch(() => undefined).finally(() => this.pending.delete(key)));

    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (body.write(chunk)) return callback();
        const resume = () => {
          body.off('drain', resume).off('close', resume);
          callback();
        };
        body.on('drain', resume).on('close', resume);
      },
      final(callback) {
        body.end();
        done.then(() => callback(), callback);
      },
      destroy(err, callback) {
        // Ends the part feeder with an error, so the upload stops and aborts its multipart upload.
        if (!body.destroyed) body.destroy(err ?? new Error('temporary blob stream destroyed'));
        callback(err);
      },
    });
    done.catch((err: Error) => {
      if (!stream.destroyed) stream.destroy(err);
    });
    return { key, stream };
  }

  async commit(tempKey: string, key: string): Promise<void> {
    const source = this.objectKey(tempKey);
    const target = this.objectKey(key);
    await this.pending.get(tempKey);
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: source })).catch((err: unknown) => {
      throw isNotFound(err) ? new BlobNotFoundError(tempKey) : err;
    });
    const size = head.ContentLength ?? 0;
    if (size > this.multipartCopyThreshold) await this.copyInParts(source, target, size);
    else await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: target, CopySource: this.copySource(source) }));
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: source }));
  }

  private copySource(objectKey: string): string {
    return `${this.bucket}/${objectKey.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** CopyObject stops at 5 GiB; larger objects are copied server-side part by part. */
  private async copyInParts(source: string, target: string, size: number): Promise<void> {
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: target }));
    try {
      const parts: { PartNumber: number; ETag: string }[] = [];
      for (let start = 0, n = 1; start < size; start += this.copyPartSize, n++) {
        const end = Math.min(start + this.copyPartSize, size) - 1;
        const { CopyPartResult } = await this.client.send(
          new UploadPartCopyCommand({ Bucket: this.bucket, Key: target, UploadId, PartNumber: n, CopySource: this.copySource(source), CopySourceRange: `bytes=${start}-${end}` }),
        );
        if (!CopyPartResult?.ETag) throw new Error(`UploadPartCopy of part ${n} returned no ETag`);
        parts.push({ PartNumber: n, ETag: CopyPartResult.ETag });
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId })).catch(() => {});
      throw err;
    }
  }

  async read(key: string): Promise<Readable> {
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (!(Body instanceof Readable)) throw new Error('GetObject returned no Node stream');
      return Body;
    } catch (err) {
      throw isNotFound(err) ? new BlobNotFoundError(key) : err;
    }
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    await this.pending.get(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== null;
  }

  async size(key: string): Promise<number | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return head.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }


  async sweepTemp(olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    const old: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}tmp/`, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key && o.LastModified && o.LastModified.getTime() < cutoff) old.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    let removed = 0;
    for (let i = 0; i < old.length; i += 1000) {
      const batch = old.slice(i, i + 1000);
      const res = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: false } }));
      removed += res.Deleted?.length ?? 0;
    }
    return removed;
  }

  /** Closes the client's sockets. */
  close(): void {
    this.client.destroy();
  }
}

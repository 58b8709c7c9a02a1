import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FakeS3 } from '../../test/fake-s3';
import { BlobStore, LocalBlobStore } from './blob-store';
import { S3BlobStore, S3BlobStoreOptions } from './s3-blob-store';

const BUCKET = 'tuneforge-test';
const MiB = 1024 * 1024;
const PART = 5 * MiB; // S3's smallest part, so a 20 MB blob is several parts

let fake: FakeS3;
let endpoint: string;
const opened: S3BlobStore[] = [];

beforeAll(async () => {
  fake = new FakeS3([BUCKET], 2); // two keys per ListObjectsV2 page, so sweeps paginate
  endpoint = await fake.start();
});
afterAll(async () => {
  for (const s of opened) s.close();
  await fake.stop();
});

/** A store on the fake under a prefix of its own, so tests can look at exactly its objects. */
function s3Store(options: Partial<S3BlobStoreOptions> = {}): S3BlobStore {
  const store = new S3BlobStore({
    bucket: BUCKET,
    prefix: `t-${crypto.randomBytes(4).toString('hex')}/`,
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test-secret' },
    partSize: PART,
    queueSize: 1,
    ...options,
  });
  opened.push(store);
  return store;
}

interface Harness {
  store: BlobStore;
  /** Makes a blob look `ms` older than it is. */
  age(key: string, ms: number): Promise<void>;
}

const implementations: [string, () => Harness][] = [
  [
    'LocalBlobStore',
    () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneforge-blobs-'));
      return {
        store: new LocalBlobStore(root),
        age: async (key, ms) => {
          const then = new Date(Date.now() - ms);
          await fs.promises.utimes(path.join(root, key), then, then);
        },
      };
    },
  ],
  [
    'S3BlobStore',
    () => {
      const prefix = `t-${crypto.randomBytes(4).toString('hex')}/`;
      return { store: s3Store({ prefix }), age: async (key, ms) => fake.age(BUCKET, prefix + key, ms) };
    },
  ],
];

/** `total` deterministic bytes in 64 KiB chunks; `onChunk` sees the running count before each is handed on. */
async function* bytes(total: number, onChunk: (produced: number) => void = () => {}): AsyncGenerator<Buffer> {
  const chunk = 64 * 1024;
  for (let produced = 0, i = 0; produced < total; produced += chunk, i++) {
    onChunk(produced);
    yield Buffer.alloc(Math.min(chunk, total - produced), i % 251);
  }
}

async function write(store: BlobStore, source: Iterable<Buffer> | AsyncIterable<Buffer>): Promise<string> {
  const temp = store.createTemp();
  await pipeline(Readable.from(source), temp.stream);
  return temp.key;
}

async function readAll(store: BlobStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await store.read(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  for (const until = Date.now() + ms; !check(); ) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(implementations)('%s keeps the blob-store contract', (_name, make) => {
  let h: Harness;
  beforeEach(() => {
    h = make();
  });

  it('round-trips a small blob through a temporary key and commit', async () => {
    const tempKey = await write(h.store, [Buffer.from('{"a":1}\n'), Buffer.from('{"a":2}\n')]);
    expect(tempKey).toMatch(/^tmp\//);
    await h.store.commit(tempKey, 'tenants/t1/datasets/d1/rows.jsonl');
    expect((await readAll(h.store, 'tenants/t1/datasets/d1/rows.jsonl')).toString()).toBe('{"a":1}\n{"a":2}\n');
  });

  it('round-trips an empty blob', async () => {
    const tempKey = await write(h.store, []);
    await h.store.commit(tempKey, 'tenants/t1/empty');
    expect((await readAll(h.store, 'tenants/t1/empty')).length).toBe(0);
  });

  it('round-trips a 20 MB blob streamed from a generator', async () => {
    const total = 20 * MiB;
    const tempKey = await write(h.store, bytes(total));
    await h.store.commit(tempKey, 'tenants/t1/big');
    const back = await readAll(h.store, 'tenants/t1/big');
    const expected: Buffer[] = [];
    for await (const c of bytes(total)) expected.push(c);
    expect(back.length).toBe(total);
    expect(sha256(back)).toBe(sha256(Buffer.concat(expected)));
  });

  it('commit moves the temporary blob to its key', async () => {
    const tempKey = await write(h.store, [Buffer.from('x')]);
    expect(await h.store.exists(tempKey)).toBe(true);
    expect(await h.store.exists('tenants/t1/moved')).toBe(false);
    await h.store.commit(tempKey, 'tenants/t1/moved');
    expect(await h.store.exists(tempKey)).toBe(false);
    expect(await h.store.exists('tenants/t1/moved')).toBe(true);
  });

  it('commit replaces an existing blob under the key', async () => {
    await h.store.commit(await write(h.store, [Buffer.from('old')]), 'tenants/t1/ckpt');
    await h.store.commit(await write(h.store, [Buffer.from('new')]), 'tenants/t1/ckpt');
    expect((await readAll(h.store, 'tenants/t1/ckpt')).toString()).toBe('new');
  });

  it('rejects reading a missing key with ENOENT', async () => {
    await expect(h.store.read('tenants/t1/nothing-here')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects committing a temporary key that does not exist', async () => {
    await expect(h.store.commit('tmp/never-written', 'tenants/t1/x')).rejects.toThrow();
    expect(await h.store.exists('tenants/t1/x')).toBe(false);
  });

  it('deletes a blob, and deleting a missing one is not an error', async () => {
    await h.store.commit(await write(h.store, [Buffer.from('bye')]), 'tenants/t1/gone');
    await h.store.delete('tenants/t1/gone');
    expect(await h.store.exists('tenants/t1/gone')).toBe(false);
    await expect(h.store.delete('tenants/t1/gone')).resolves.toBeUndefined();
  });

  it('refuses keys that climb out of the store or are not plain segments', async () => {
    for (const key of ['../etc/passwd', 'tenants/../../x', '/abs', 'a//b', 'tenants/t1/', 'a b']) {
      await expect(h.store.read(key)).rejects.toThrow(/invalid blob key/);
      await expect(h.store.exists(key)).rejects.toThrow(/invalid blob key/);
      await expect(h.store.delete(key)).rejects.toThrow(/invalid blob key/);
    }
    const tempKey = await write(h.store, [Buffer.from('x')]);
    await expect(h.store.commit(tempKey, 'tenants/../escape')).rejects.toThrow(/invalid blob key/);
  });

  it('sweepTemp removes only temporary blobs older than the limit', async () => {
    const [old1, old2, fresh] = [await write(h.store, [Buffer.from('1')]), await write(h.store, [Buffer.from('2')]), await write(h.store, [Buffer.from('3')])];
    await h.store.commit(await write(h.store, [Buffer.from('kept')]), 'tenants/t1/old-but-committed');
    await h.age(old1, 2 * 3600_000);
    await h.age(old2, 2 * 3600_000);
    await h.age('tenants/t1/old-but-committed', 2 * 3600_000);
    expect(await h.store.sweepTemp(3600_000)).toBe(2);
    expect(await h.store.exists(old1)).toBe(false);
    expect(await h.store.exists(old2)).toBe(false);
    expect(await h.store.exists(fresh)).toBe(true);
    expect(await h.store.exists('tenants/t1/old-but-committed')).toBe(true);
    expect(await h.store.sweepTemp(3600_000)).toBe(0);
  });
});

describe('S3BlobStore on the wire', () => {
  it('streams a 20 MB blob as several parts of one multipart upload with a bounded window in memory', async () => {
    const store = s3Store();
    const before = { parts: fake.ops('UploadPart').length, puts: fake.ops('PutObject').length };
    let window = 0;
    const tempKey = await write(store, bytes(20 * MiB, (produced) => (window = Math.max(window, produced - fake.receivedBytes))));
    expect(fake.ops('UploadPart').length - before.parts).toBe(4);
    expect(fake.ops('PutObject').length - before.puts).toBe(0);
    expect(fake.object(BUCKET, store.prefix + tempKey)?.etag).toMatch(/-4"$/);
    // Bytes handed to the writable but not yet stored by S3: about one part plus stream buffers, never the whole blob.
    expect(window).toBeLessThan(2 * PART);
  });

  it('prefixes every key, so deployments can share a bucket', async () => {
    const store = s3Store({ prefix: 'deploy-a/' });
    await store.commit(await write(store, [Buffer.from('x')]), 'tenants/t1/datasets/d1/rows.jsonl');
    expect(fake.keys(BUCKET, 'deploy-a/tenants/')).toEqual(['deploy-a/tenants/t1/datasets/d1/rows.jsonl']);
  });

  it('aborts the multipart upload when the temporary stream is destroyed, leaving no object', async () => {
    const store = s3Store();
    const aborts = fake.ops('AbortMultipartUpload').length;
    const temp = store.createTemp();
    const objectKey = store.prefix + temp.key;
    for await (const chunk of bytes(12 * MiB)) {
      if (!temp.stream.write(chunk)) await once(temp.stream, 'drain');
      if (fake.ops('UploadPart').some((r) => r.key === objectKey)) break;
    }
    await waitFor(() => fake.ops('UploadPart').some((r) => r.key === objectKey), 'a part');
    temp.stream.destroy();
    await once(temp.stream, 'close');
    await store.delete(temp.key); // waits for the upload to settle, as the dataset service's cleanup does
    expect(fake.ops('AbortMultipartUpload').length).toBe(aborts + 1);
    expect([...fake.uploads.values()].filter((u) => u.key === objectKey)).toEqual([]);
    expect(fake.object(BUCKET, objectKey)).toBeUndefined();
  });

  it('surfaces a failed upload as an error on the writable', async () => {
    const store = s3Store({ bucket: 'no-such-bucket' });
    await expect(write(store, [Buffer.from('small')])).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(write(store, bytes(12 * MiB))).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('surfaces a part that fails mid-stream, without hanging the writer, and aborts the upload', async () => {
    const store = s3Store();
    const aborts = fake.ops('AbortMultipartUpload').length;
    fake.failing.add('UploadPart');
    try {
      await expect(write(store, bytes(20 * MiB))).rejects.toMatchObject({ name: 'AccessDenied' });
    } finally {
      fake.failing.delete('UploadPart');
    }
    await waitFor(() => fake.ops('AbortMultipartUpload').length === aborts + 1, 'AbortMultipartUpload');
  });

  it('commits an object above the copy threshold with UploadPartCopy', async () => {
    const store = s3Store({ multipartCopyThreshold: 6 * MiB, copyPartSize: PART });
    const tempKey = await write(store, bytes(12 * MiB));
    const copies = fake.ops('UploadPartCopy').length;
    await store.commit(tempKey, 'tenants/t1/large');
    expect(fake.ops('UploadPartCopy').length - copies).toBe(3);
    const back = await readAll(store, 'tenants/t1/large');
    expect(back.length).toBe(12 * MiB);
    expect(await store.exists(tempKey)).toBe(false);
  });

  it('sweeps across ListObjectsV2 pages', async () => {
    const store = s3Store();
    const prefix = store.prefix;
    const keys = await Promise.all(Array.from({ length: 5 }, () => write(store, [Buffer.from('t')])));
    for (const k of keys) fake.age(BUCKET, prefix + k, 60_000);
    const lists = fake.ops('ListObjectsV2').length;
    expect(await store.sweepTemp(1000)).toBe(5);
    expect(fake.ops('ListObjectsV2').length - lists).toBe(3);
    expect(fake.keys(BUCKET, prefix)).toEqual([]);
  });
});

import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FakeS3 } from '../../test/fake-s3';
import type { BlobStore } from '../storage/blob-store';
import { LocalBlobStore } from '../storage/blob-store';
import { S3BlobStore } from '../storage/s3-blob-store';
import { artifactKey, TrainerGateway, type TrainerIdentity } from './trainer-gateway';

const identity: TrainerIdentity = { runId: '00000000-0000-4000-8000-000000000001', tenantId: '00000000-0000-4000-8000-000000000002', attempt: 1 };
const KEY = artifactKey(identity.tenantId, identity.runId, identity.attempt);
const BUCKET = 'tuneforge-gateway';
const MAX = 4 << 20;

/** A store and what a test can see of it: the committed artifact, and what is left under tmp/. */
interface Store {
  blobs: BlobStore;
  artifact(): Promise<Buffer | null>;
  temporaries(): string[];
  /** Multipart uploads still open (S3 only). */
  openUploads(): number;
  close(): Promise<void>;
}

async function localStore(): Promise<Store> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-gateway-'));
  const file = path.join(dir, KEY);
  return {
    blobs: new LocalBlobStore(dir),
    artifact: async () => (fs.existsSync(file) ? fs.readFileSync(file) : null),
    temporaries: () => fs.readdirSync(path.join(dir, 'tmp')),
    openUploads: () => 0,
    close: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

async function s3Store(): Promise<Store> {
  const fake = new FakeS3([BUCKET]);
  const endpoint = await fake.start();
  return {
    blobs: new S3BlobStore({ bucket: BUCKET, endpoint, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test-secret' }, partSize: 5 << 20 }),
    artifact: async () => fake.object(BUCKET, KEY)?.body ?? null,
    temporaries: () => fake.keys(BUCKET, 'tmp/'),
    openUploads: () => fake.uploads.size,
    close: () => fake.stop(),
  };
}

describe.each([
  ['the local store', localStore],
  ['an S3-compatible store', s3Store],
])('TrainerGateway uploads (checkpoints, artifacts) over real HTTP, on %s', (_name, makeStore) => {
  let store: Store;
  let server: http.Server;
  let port: number;
  let outcome: Promise<unknown>;

  beforeEach(async () => {
    store = await makeStore();
    // Only the blob store is used by an artifact upload: no database, no dispatcher.
    const gateway = new TrainerGateway(null as never, store.blobs, null as never, { heartbeatSeconds: 30, usageSliceSeconds: 60, uploadMaxBytes: MAX });
    let settle: (v: unknown) => void;
    outcome = new Promise((resolve) => (settle = resolve));
    server = http.createServer((req, res) => {
      const length = req.headers['content-length'];
      gateway.putArtifact(identity, req, length === undefined ? null : Number(length)).then(
        () => (settle('stored'), res.end()),
        (err: Error & { code?: string }) => (settle(err.code ?? err.message), res.destroy()),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  });

  it('a whole upload is committed under the run attempt\'s artifact key, byte for byte', async () => {
    const body = Buffer.alloc(3 << 20);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    const res = await fetch(`http://127.0.0.1:${port}/artifact`, { method: 'PUT', body });
    await res.body?.cancel();
    expect(await outcome).toBe('stored');
    expect((await store.artifact())?.equals(body)).toBe(true);
    expect(store.temporaries()).toEqual([]);
  });

  it('a client that disconnects half way: refused, no temporary blob or open upload left, no artifact', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`PUT /artifact HTTP/1.1\r\nhost: x\r\ncontent-length: ${3 << 20}\r\n\r\n`);
    socket.write(Buffer.alloc(1 << 20, 7));
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    const result = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('still waiting after 5 s'), 5000))]);
    expect(result).toBe('BAD_REQUEST');
    expect(store.temporaries()).toEqual([]);
    expect(store.openUploads()).toBe(0);
    expect(await store.artifact()).toBeNull();
  });

  it('an upload whose Content-Length is over the limit: refused before a byte is stored', async () => {
    // Only the headers are sent: the answer must not wait for the body.
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => undefined);
    socket.write(`PUT /artifact HTTP/1.1\r\nhost: x\r\ncontent-length: ${MAX + 1}\r\n\r\n`);
    const result = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('waited for the body'), 2000))]);
    socket.destroy();
    expect(result).toBe('TOO_LARGE');
    expect(store.temporaries()).toEqual([]);
    expect(await store.artifact()).toBeNull();
  });

  it('a chunked upload (no Content-Length) that passes the limit: cut off there, nothing left', async () => {
    // A chunked body that never ends (a 256 KB chunk every few ms): only the limit can stop it.
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => undefined);
    socket.write('PUT /artifact HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n');
    const chunk = Buffer.concat([Buffer.from(`${(256 << 10).toString(16)}\r\n`), Buffer.alloc(256 << 10, 1), Buffer.from('\r\n')]);
    const sender = setInterval(() => socket.writable && socket.write(chunk), 2);
    const result = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('still receiving after 5 s'), 5000))]);
    clearInterval(sender);
    socket.destroy();
    expect(result).toBe('TOO_LARGE');
    expect(store.temporaries()).toEqual([]);
    expect(store.openUploads()).toBe(0);
    expect(await store.artifact()).toBeNull();
  });
});

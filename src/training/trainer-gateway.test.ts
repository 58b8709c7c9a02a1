import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LocalBlobStore } from '../storage/blob-store';
import { artifactKey, TrainerGateway, type TrainerIdentity } from './trainer-gateway';

const identity: TrainerIdentity = { runId: '00000000-0000-4000-8000-000000000001', tenantId: '00000000-0000-4000-8000-000000000002', attempt: 1 };
const artifactFile = (dir: string) => path.join(dir, artifactKey(identity.tenantId, identity.runId, identity.attempt));

describe('TrainerGateway uploads (checkpoints, artifacts) over real HTTP', () => {
  let dir: string;
  let server: http.Server;
  let outcome: Promise<unknown>;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-gateway-'));
    // Only the blob store is used by an artifact upload: no database, no dispatcher.
    const gateway = new TrainerGateway(null as never, new LocalBlobStore(dir), null as never, { heartbeatSeconds: 30, usageSliceSeconds: 60 });
    let settle: (v: unknown) => void;
    outcome = new Promise((resolve) => (settle = resolve));
    server = http.createServer((req, res) => {
      gateway.putArtifact(identity, req).then(
        () => (settle('stored'), res.end()),
        (err: Error & { code?: string }) => (settle(err.code ?? err.message), res.destroy()),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a whole upload is committed under the run attempt\'s artifact key, byte for byte', async () => {
    const { port } = server.address() as net.AddressInfo;
    const body = Buffer.alloc(3 << 20);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    const res = await fetch(`http://127.0.0.1:${port}/artifact`, { method: 'PUT', body });
    await res.body?.cancel();
    expect(await outcome).toBe('stored');
    const stored = fs.readFileSync(artifactFile(dir));
    expect(stored.equals(body)).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('a client that disconnects half way: refused, no temporary blob left, no artifact', async () => {
    const { port } = server.address() as net.AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`PUT /artifact HTTP/1.1\r\nhost: x\r\ncontent-length: ${10 << 20}\r\n\r\n`);
    socket.write(Buffer.alloc(1 << 20, 7));
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    const result = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('still waiting after 5 s'), 5000))]);
    expect(result).toBe('BAD_REQUEST');
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
    expect(fs.existsSync(artifactFile(dir))).toBe(false);
  });
});

import http from 'node:http';
import zlib from 'node:zlib';
import { gql, signUp, startTestApi, TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => { t = await startTestApi({ DATABASE_POOL_SIZE: '3' }); });
afterAll(async () => { await t.stop(); });

describe('resilience', () => {
  it('clients hanging up mid-request leak no database connection', async () => {
    const user = await signUp(t.url);
    const query = JSON.stringify({ query: '{ viewer { tenant { members(first: 50) { nodes { user { email } } } } } }' });
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 40 }, async (_, i) => {
        const abort = new AbortController();
        setTimeout(() => abort.abort(), (i * 3) % 120);
        await fetch(t.url, { method: 'POST', body: query, signal: abort.signal, headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` } }).then((r) => r.text(), () => null);
      }));
    }
    // With a pool of 3, a single leaked connection per round would starve these.
    const results = await Promise.all(Array.from({ length: 10 }, () => gql(t.url, '{ viewer { role } }', {}, { token: user.token })));
    expect(results.map((r) => r.data?.viewer.role)).toEqual(Array(10).fill('OWNER'));
  });
});

describe('HTTP', () => {
  it('compresses answers for clients that accept it, and only for them', async () => {
    const user = await signUp(t.url);
    // A schema introspection answer: tens of KiB of JSON.
    const body = JSON.stringify({ query: '{ __schema { types { name description fields { name description } } } }' });
    const ask = (encoding: string | null) =>
      new Promise<{ encoding: string | undefined; bytes: number; json: unknown }>((resolve, reject) => {
        const url = new URL(t.url);
        const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}`, ...(encoding ? { 'accept-encoding': encoding } : {}) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const raw = Buffer.concat(chunks);
            const text = res.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw).toString() : raw.toString();
            resolve({ encoding: res.headers['content-encoding'], bytes: raw.length, json: JSON.parse(text) });
          });
        });
        req.on('error', reject);
        req.end(body);
      });
    const [plain, gzipped] = [await ask(null), await ask('gzip')];
    expect(plain.encoding).toBeUndefined();
    expect(gzipped.encoding).toBe('gzip');
    expect((gzipped.json as { data: unknown }).data).toEqual((plain.json as { data: unknown }).data);
    expect(gzipped.bytes).toBeLessThan(plain.bytes / 4);
  });
});

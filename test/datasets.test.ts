import fs from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { Client } from 'pg';
import { readDataset } from '../src/trainer/dataset-rows';
import { createApiKey, datasetsDir, gql, signUp, startTestApi, TestApi, TestUser } from './helpers';

const CREATE = `mutation CreateDatasetUpload($input: CreateDatasetUploadInput!) {
  createDatasetUpload(input: $input) { upload { id url method headers expiresAt maxBytes } dataset { id status } userErrors { field message code } }
}`;
const DATASET = `query Dataset($id: ID!) { dataset(id: $id) { id status rowCount byteSize sha256 stats splits { train validation test } columnMapping errorCount errors { line field message code } failureReason preview(limit: 3) } }`;

let t: TestApi;
let a: TestUser;
let b: TestUser;
beforeAll(async () => {
  // Its own blob store: these tests look into the temporary-blob folder, which other files' servers would share.
  // Files of 1 MB and more (MovieLens u.data, 2 MB) are parsed on a worker thread, smaller ones in the API thread.
  t = await startTestApi({ DATASET_MAX_FILE_BYTES: String(64 * 1024 * 1024), INGEST_WORKER_MIN_BYTES: String(1024 * 1024), DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'tuneforge-datasets-test-')) });
  [a, b] = await Promise.all([signUp(t.url), signUp(t.url)]);
});
afterAll(async () => { await t.stop(); });

async function createUpload(user: TestUser, input: Record<string, unknown>) {
  const res = await gql(t.url, CREATE, { input }, { token: user.token });
  const p = res.data?.createDatasetUpload;
  if (!p?.upload) throw new Error(`createDatasetUpload failed: ${JSON.stringify(res)}`);
  return p as { upload: { id: string; url: string; method: string; headers: Record<string, string>; maxBytes: number }; dataset: { id: string; status: string } };
}

async function put(url: string, body: Buffer | string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'PUT', body, headers });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function upload(user: TestUser, input: Record<string, unknown>, body: Buffer | string, headers: Record<string, string> = {}) {
  const { upload: u, dataset } = await createUpload(user, input);
  const res = await put(u.url, body, { ...u.headers, ...headers });
  return { ...res, id: dataset.id, url: u.url };
}

async function fetchDataset(user: TestUser, id: string) {
  const res = await gql(t.url, DATASET, { id }, { token: user.token });
  return res.data?.dataset;
}

const DATA = datasetsDir();
const withData = DATA ? describe : describe.skip;
if (!DATA) console.warn('skipping real-dataset upload tests: shared/datasets not found (set TUNEFORGE_DATASETS)');

withData('real public datasets load as they are', () => {
  it('MovieLens u.data (tab-separated, no header; parsed on a worker thread): 100,000 ratings, 943 users, 1,682 items', async () => {
    const file = fs.readFileSync(path.join(DATA!, 'movielens-100k/u.data'));
    const res = await upload(a, { name: 'ml-100k', task: 'RECOMMENDATION', format: 'TSV' }, file);
    expect(res.status).toBe(200);
    expect(res.body.dataset).toMatchObject({ status: 'READY', rowCount: 100_000, errorCount: 0, byteSize: file.length });
    const d = await fetchDataset(a, res.id);
    expect(d.sha256).toBe(require('node:crypto').createHash('sha256').update(file).digest('hex'));
    expect(d.stats).toMatchObject({ users: 943, items: 1682, ratingMin: 1, ratingMax: 5 });
    expect(d.splits.train + d.splits.validation + d.splits.test).toBe(100_000);
    expect(d.splits.train / 100_000).toBeCloseTo(0.8, 1);
    expect(d.preview[0]).toMatchObject({ userId: '196', itemId: '242', rating: 3 });
    // Stored durably in the compact form (the 20 preview rows stay JSONL), which training reads as the same rows.
    const rawId = (id: string) => Buffer.from(id, 'base64').toString().split(':')[1];
    const blob = fs.readFileSync(path.join(t.config.DATA_DIR, 'blobs', 'tenants', rawId(a.tenantId), 'datasets', rawId(res.id), 'rows.jsonl'), 'utf8');
    const lines = blob.split('\n');
    expect(lines[0]).toMatch(/^\{"split":"(train|validation|test)","userId":"196","itemId":"242","rating":3,"timestamp":881250949\}$/);
    expect(lines[20]).toMatch(/^[012]\t119\t392\t4\t886176814$/);
    expect(blob.length).toBeLessThan(file.length * 1.15); // 2 bytes more per ~20-byte row (JSONL: 3.5×)
    const rows = await readDataset('recommendation', (async function* () { yield blob; })());
    expect([rows.train.length, rows.validation.length, rows.test?.length]).toEqual([d.splits.train, d.splits.validation, d.splits.test]);
    expect(rows.train.concat(rows.validation, rows.test ?? []).find((r) => (r as { userId: string }).userId === '196' && (r as { itemId: string }).itemId === '242')).toEqual({ userId: '196', itemId: '242', rating: 3, timestamp: 881250949 });
  });

  it('Financial PhraseBank (Latin-1, `sentence@label`): 4,846 rows with the README\'s label counts', async () => {
    const file = fs.readFileSync(path.join(DATA!, 'financial-phrasebank/Sentences_50Agree.txt'));
    const res = await upload(a, { name: 'phrasebank', task: 'CLASSIFICATION', format: 'CSV', options: { delimiter: '@', encoding: 'LATIN1', hasHeader: false } }, file);
    expect(res.body.dataset).toMatchObject({ status: 'READY', rowCount: 4846 });
    const d = await fetchDataset(a, res.id);
    expect(JSON.stringify(d.stats)).toMatch(/neutral/);
    const labels = (d.stats.labels ?? d.stats.labelCounts) as Record<string, number> | { label: string; count: number }[];
    const counts = Array.isArray(labels) ? Object.fromEntries(labels.map((l) => [l.label, l.count])) : labels;
    expect(counts).toMatchObject({ neutral: 2879, positive: 1363, negative: 604 });
  });

  it('AESLC dev.jsonl with mapped field names: 1,960 rows', async () => {
    const file = fs.readFileSync(path.join(DATA!, 'aeslc/dev.jsonl'));
    const res = await upload(a, { name: 'aeslc-dev', task: 'SUMMARIZATION', format: 'JSONL', options: { columns: { document: 'email_body', summary: 'subject_line' } } }, file);
    expect(res.body.dataset).toMatchObject({ status: 'READY', rowCount: 1960 });
  });

  it('Multi30k pairs assembled to TSV, sent gzip-compressed', async () => {
    const de = zlib.gunzipSync(fs.readFileSync(path.join(DATA!, 'multi30k-en-de/val.de.gz'))).toString('utf8').split('\n');
    const en = zlib.gunzipSync(fs.readFileSync(path.join(DATA!, 'multi30k-en-de/val.en.gz'))).toString('utf8').split('\n');
    const tsv = de.map((line, i) => `${line}\t${en[i]}`).filter((l) => l.trim() !== '\t' && l.trim() !== '').join('\n');
    const res = await upload(a, { name: 'multi30k-val', task: 'TRANSLATION', format: 'TSV', options: { hasHeader: false } }, zlib.gzipSync(tsv), { 'content-encoding': 'gzip' });
    expect(res.body.dataset).toMatchObject({ status: 'READY', rowCount: 1014 });
  });
});

describe('bad uploads fail clearly and lose nothing', () => {
  it('names the line and field of a non-numeric rating and of a wrong column count', async () => {
    const csv = 'user_id,item_id,rating\n1,10,4\n2,11,four\n3,12\n4,13,5\n';
    const res = await upload(a, { name: 'bad', task: 'RECOMMENDATION', format: 'CSV' }, csv);
    expect(res.status).toBe(422);
    expect(res.body.dataset.status).toBe('FAILED');
    expect(res.body.dataset.errorCount).toBe(2);
    expect(res.body.dataset.errors[0]).toMatchObject({ line: 3, field: 'rating' });
    expect(res.body.dataset.errors[1]).toMatchObject({ line: 4 });
    const d = await fetchDataset(a, res.id);
    expect(d).toMatchObject({ status: 'FAILED', rowCount: null, errorCount: 2 });
    expect(d.errors).toEqual(res.body.dataset.errors);
    expect(d.failureReason).toMatch(/line 3/);
  });

  it('refuses a binary file named .csv', async () => {
    const res = await upload(a, { name: 'binary', task: 'CLASSIFICATION', format: 'CSV' }, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    expect(res.body.dataset.status).toBe('FAILED');
    expect(res.body.dataset.failureReason).toMatch(/binary/i);
  });

  it('refuses a truncated gzip', async () => {
    const gz = zlib.gzipSync('text,label\n' + 'good movie,pos\n'.repeat(2000));
    const res = await upload(a, { name: 'truncated', task: 'CLASSIFICATION', format: 'CSV' }, gz.subarray(0, gz.length - 100), { 'content-encoding': 'gzip' });
    expect(res.body.dataset.status).toBe('FAILED');
    expect(res.body.dataset.failureReason).toMatch(/gzip|truncated|compressed/i);
  });

  it('stops a file over the limit while it streams, with 413', async () => {
    const small = await startTestApi({ DATASET_MAX_FILE_BYTES: String(100_000) });
    try {
      const owner = await signUp(small.url);
      const created = await gql(small.url, CREATE, { input: { name: 'big', task: 'CLASSIFICATION', format: 'CSV' } }, { token: owner.token });
      const { upload: u, dataset } = created.data!.createDatasetUpload;
      expect(u.maxBytes).toBe(100_000);
      const res = await put(u.url, 'text,label\n' + 'a fine sentence,pos\n'.repeat(20_000));
      expect(res.status).toBe(413);
      expect(res.body.dataset).toMatchObject({ status: 'FAILED' });
      const declared = await gql(small.url, CREATE, { input: { name: 'big2', task: 'CLASSIFICATION', format: 'CSV', byteSize: 200_000 } }, { token: owner.token });
      expect(declared.data!.createDatasetUpload.userErrors).toEqual([{ field: ['byteSize'], code: 'QUOTA_EXCEEDED', message: 'file is 200000 bytes; the largest accepted is 100000' }]);
      expect(dataset.status).toBe('UPLOADING');
    } finally {
      await small.stop();
    }
  });

  it('refuses a reused upload URL and a PUT from another tenant', async () => {
    const { upload: u } = await createUpload(a, { name: 'once', task: 'CLASSIFICATION', format: 'CSV' });
    const foreign = await put(u.url, 'text,label\nhello,x\n', { authorization: `Bearer ${b.token}` });
    expect(foreign.status).toBe(404);
    const first = await put(u.url, 'text,label\nhello,x\nbye,y\n');
    expect(first.body.dataset.status).toBe('READY');
    const again = await put(u.url, 'text,label\nhello,x\n');
    expect(again.status).toBe(410);
    expect(JSON.stringify(again.body)).toMatch(/already been used/);
    const wrongToken = await put(u.url.replace(/token=.*/, 'token=forged'), 'text,label\nhello,x\n');
    expect(wrongToken.status).toBe(404);
  });

  it('refuses an expired upload URL with 410 and keeps the dataset waiting for nothing', async () => {
    const { upload: u, dataset } = await createUpload(a, { name: 'late', task: 'CLASSIFICATION', format: 'CSV' });
    const db = new Client({ connectionString: process.env.TUNEFORGE_TEST_DATABASE_URL });
    await db.connect();
    await db.query(`UPDATE dataset_uploads SET expires_at = now() - interval '1 second' WHERE id = $1`, [u.id]);
    await db.end();
    const res = await put(u.url, 'text,label\nhello,x\n');
    expect(res.status).toBe(410);
    expect(res.body.errors[0]).toMatchObject({ message: 'this upload URL has expired: create a new upload', extensions: { code: 'UPLOAD_EXPIRED' } });
    expect((await fetchDataset(a, dataset.id)).status).toBe('UPLOADING');
  });

  it('marks the dataset FAILED when the client disconnects half way, and the server carries on', async () => {
    const { upload: u, dataset } = await createUpload(a, { name: 'cut', task: 'CLASSIFICATION', format: 'CSV' });
    await new Promise<void>((resolve) => {
      const req = http.request(u.url, { method: 'PUT', headers: { 'content-length': '1000000' } });
      req.on('error', () => resolve());
      req.write('text,label\n' + 'half a file,pos\n'.repeat(1000));
      setTimeout(() => { req.destroy(); resolve(); }, 300);
    });
    let d = await fetchDataset(a, dataset.id);
    for (let i = 0; i < 50 && d.status === 'PROCESSING'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      d = await fetchDataset(a, dataset.id);
    }
    expect(d.status).toBe('FAILED');
    expect(d.failureReason).toMatch(/interrupt|disconnect|abort|ended/i);
    const blobs = path.join(t.config.DATA_DIR, 'blobs');
    const files = fs.readdirSync(path.join(blobs, 'tmp'));
    expect(files).toEqual([]);
  });
});

describe('housekeeping', () => {
  it('fails datasets whose upload URL expired unused and removes orphaned temporary blobs', async () => {
    const { dataset } = await createUpload(a, { name: 'never sent', task: 'CLASSIFICATION', format: 'CSV' });
    const db = new Client({ connectionString: process.env.TUNEFORGE_TEST_DATABASE_URL });
    await db.connect();
    await db.query(`UPDATE dataset_uploads SET expires_at = now() - interval '1 minute' WHERE dataset_id = $1`, [Buffer.from(dataset.id, 'base64').toString().split(':')[1]]);
    await db.end();
    const orphan = path.join(t.config.DATA_DIR, 'blobs', 'tmp', 'orphan-from-a-crash');
    fs.writeFileSync(orphan, 'partial');
    fs.utimesSync(orphan, new Date(Date.now() - 2 * 86_400_000), new Date(Date.now() - 2 * 86_400_000));
    const swept = await t.api.services.datasets.sweep();
    expect(swept.expired).toBeGreaterThanOrEqual(1);
    expect(swept.tempBlobs).toBe(1);
    expect(fs.existsSync(orphan)).toBe(false);
    const d = await fetchDataset(a, dataset.id);
    expect(d).toMatchObject({ status: 'FAILED', failureReason: 'the upload URL expired before the file arrived' });
  });
});

describe('dataset access', () => {
  it('another tenant cannot read, list or delete a dataset', async () => {
    const res = await upload(a, { name: 'private', task: 'CLASSIFICATION', format: 'CSV' }, 'text,label\nsecret,x\nother,y\n');
    const foreign = await gql(t.url, DATASET, { id: res.id }, { token: b.token });
    expect(foreign.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const list = await gql(t.url, `{ datasets(first: 100) { nodes { id } } }`, {}, { token: b.token });
    expect(list.data!.datasets.nodes.map((n: { id: string }) => n.id)).not.toContain(res.id);
    const del = await gql(t.url, `mutation($id: ID!) { deleteDataset(id: $id) { deletedDatasetId userErrors { field code } } }`, { id: res.id }, { token: b.token });
    expect(del.data!.deleteDataset).toEqual({ deletedDatasetId: null, userErrors: [{ field: ['id'], code: 'NOT_FOUND' }] });
    expect((await fetchDataset(a, res.id)).status).toBe('READY');
  });

  it('deletes a dataset and its stored file', async () => {
    const res = await upload(a, { name: 'temporary', task: 'CLASSIFICATION', format: 'CSV' }, 'text,label\none,x\ntwo,y\n');
    const blob = path.join(t.config.DATA_DIR, 'blobs', 'tenants');
    const before = JSON.stringify(fs.readdirSync(blob, { recursive: true }));
    expect(before).toContain(Buffer.from(res.id, 'base64').toString().split(':')[1]);
    const del = await gql(t.url, `mutation($id: ID!) { deleteDataset(id: $id) { deletedDatasetId userErrors { code } } }`, { id: res.id }, { token: a.token });
    expect(del.data!.deleteDataset).toEqual({ deletedDatasetId: res.id, userErrors: [] });
    expect((await gql(t.url, DATASET, { id: res.id }, { token: a.token })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(JSON.stringify(fs.readdirSync(blob, { recursive: true }))).not.toContain(`${Buffer.from(res.id, 'base64').toString().split(':')[1]}/rows`);
  });

  it('a key with datasets:read cannot create uploads; lists filter by task and status', async () => {
    const key = await createApiKey(t.url, a.token, ['datasets:read']);
    const denied = await gql(t.url, CREATE, { input: { name: 'x', task: 'CLASSIFICATION', format: 'CSV' } }, { token: key.secret });
    expect(denied.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'datasets:write' });
    const failed = await gql(t.url, `{ datasets(first: 100, filter: {status: FAILED}) { nodes { status } } }`, {}, { token: key.secret });
    expect(failed.data!.datasets.nodes.length).toBeGreaterThan(0);
    expect(new Set(failed.data!.datasets.nodes.map((n: { status: string }) => n.status))).toEqual(new Set(['FAILED']));
  });

  it('rejects bad options with field paths', async () => {
    const res = await gql(t.url, CREATE, { input: { name: '', task: 'CLASSIFICATION', format: 'CSV', options: { delimiter: '::', splits: { train: 0.5, validation: 0.1, test: 0.1 } } } }, { token: a.token });
    expect(res.data!.createDatasetUpload.userErrors.map((e: { field: string[] }) => e.field)).toEqual([['name'], ['options', 'delimiter'], ['options', 'splits']]);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Client } from 'pg';
import { readDataset } from '../src/trainer/dataset-rows';
import { datasetsDir, gql, signUp, startTestApi, TestApi, TestUser } from './helpers';

const CREATE = `mutation CreateDatasetUpload($input: CreateDatasetUploadInput!) {
  createDatasetUpload(input: $input) {
    upload { id url method headers }
    uploads { split id url method headers maxBytes }
    dataset { id status options files { split status rowCount byteSize receivedAt expiresAt } }
    userErrors { field message code }
  }
}`;
const DATASET = `query Dataset($id: ID!) { dataset(id: $id) { id status rowCount byteSize sha256 stats splits { train validation test } columnMapping errorCount errors { line field message code part } failureReason preview(limit: 20) files { split status rowCount byteSize receivedAt } } }`;
const DELETE = `mutation DeleteDataset($id: ID!) { deleteDataset(id: $id) { deletedDatasetId userErrors { field message code } } }`;
const LIST = `query Datasets { datasets(first: 100) { edges { node { id files { split status } } } } }`;

let t: TestApi;
let a: TestUser;
let b: TestUser;
beforeAll(async () => {
  // Its own blob store, so the temporary-blob folder holds only this file's uploads.
  t = await startTestApi({ DATASET_MAX_FILE_BYTES: String(64 * 1024 * 1024), DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'tuneforge-splits-test-')) });
  [a, b] = await Promise.all([signUp(t.url), signUp(t.url)]);
});
afterAll(async () => { await t.stop(); });

const rawId = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1];
const tempBlobs = () => fs.readdirSync(path.join(t.config.DATA_DIR, 'blobs', 'tmp'));
/** Every blob (file, not directory) of the store, as keys. */
const blobKeys = () => (fs.readdirSync(path.join(t.config.DATA_DIR, 'blobs'), { recursive: true }) as string[])
  .filter((k) => fs.statSync(path.join(t.config.DATA_DIR, 'blobs', k)).isFile());
/** The part blobs of one dataset (`tenants/<t>/datasets/<d>/parts/<split>.jsonl`). */
const partBlobs = (datasetId: string) => blobKeys().filter((k) => k.includes(`datasets/${rawId(datasetId)}/parts/`)).sort();

async function sql<T = Record<string, any>>(text: string, values: unknown[] = []): Promise<T[]> {
  const db = new Client({ connectionString: process.env.TUNEFORGE_TEST_DATABASE_URL });
  await db.connect();
  try {
    return (await db.query(text, values)).rows as T[];
  } finally {
    await db.end();
  }
}

async function create(user: TestUser, input: Record<string, unknown>) {
  const res = await gql(t.url, CREATE, { input }, { token: user.token });
  return res.data!.createDatasetUpload;
}

async function put(url: string, body: Buffer | string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'PUT', body, headers });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function upload(user: TestUser, input: Record<string, unknown>, body: string) {
  const p = await create(user, input);
  if (!p.upload) throw new Error(JSON.stringify(p.userErrors));
  const res = await put(p.upload.url, body, p.upload.headers);
  return { ...res, id: p.dataset.id as string };
}

async function fetchDataset(user: TestUser, id: string) {
  return (await gql(t.url, DATASET, { id }, { token: user.token })).data!.dataset;
}

/** The canonical blob the trainer downloads, read back the way the trainer reads it. */
async function trainingRows(user: TestUser, id: string, task: 'classification' | 'translation') {
  const file = path.join(t.config.DATA_DIR, 'blobs', 'tenants', rawId(user.tenantId), 'datasets', rawId(id), 'rows.jsonl');
  async function* chunks() { yield fs.readFileSync(file, 'utf8'); }
  return readDataset(task, chunks());
}

describe('a split column', () => {
  it('keeps exactly the user\'s splits: counts, preview, stats and the rows training reads', async () => {
    const rows = [['great film', 'pos', 'train'], ['dull', 'neg', 'Train'], ['fine', 'pos', 'training'], ['awful', 'neg', 'dev'], ['nice', 'pos', 'valid'], ['bad', 'neg', 'TEST']];
    const csv = `text,label,split\n${rows.map((r) => r.join(',')).join('\n')}\n`;
    const res = await upload(a, { name: 'own splits', task: 'CLASSIFICATION', format: 'CSV', options: { splitColumn: 'split' } }, csv);
    expect(res.status).toBe(200);
    expect(res.body.dataset).toMatchObject({ status: 'READY', rowCount: 6, splits: { train: 3, validation: 2, test: 1 } });
    const d = await fetchDataset(a, res.id);
    expect(d.splits).toEqual({ train: 3, validation: 2, test: 1 });
    expect(d.columnMapping).toEqual({ text: 'text', label: 'label', split: 'split' });
    expect(d.files).toBeNull(); // one file: nothing per file to show
    expect(d.stats.labels).toEqual({ pos: 3, neg: 3 });
    expect(d.preview.map((r: { split: string }) => r.split)).toEqual(['train', 'train', 'train', 'validation', 'validation', 'test']);
    const data = await trainingRows(a, res.id, 'classification');
    expect(data.train.map((r) => (r as { text: string }).text)).toEqual(['great film', 'dull', 'fine']);
    expect(data.validation.map((r) => (r as { text: string }).text)).toEqual(['awful', 'nice']);
    expect(data.test!.map((r) => (r as { text: string }).text)).toEqual(['bad']);
  });

  it('fails on an unknown split value, naming the line, the column and the accepted values', async () => {
    const res = await upload(a, { name: 'typo', task: 'CLASSIFICATION', format: 'CSV', options: { splitColumn: 'ml_use' } }, 'text,label,ml_use\ngood,pos,training\nbad,neg,tset\nok,pos,test\n');
    expect(res.status).toBe(422);
    const d = await fetchDataset(a, res.id);
    expect(d).toMatchObject({ status: 'FAILED', rowCount: null, errorCount: 1 });
    expect(d.errors[0]).toMatchObject({ line: 3, field: 'split', code: 'INVALID_SPLIT' });
    expect(d.errors[0].message).toBe('line 3: the split column "ml_use" has "tset", which names no split; accepted (any case): train, training, validation, valid, val, dev, validate, test, testing');
    expect(d.failureReason).toMatch(/line 3/);
  });

  it('fails with a clear reason when no row is in the test split', async () => {
    const res = await upload(a, { name: 'no test', task: 'CLASSIFICATION', format: 'CSV', options: { splitColumn: 'split' } }, 'text,label,split\ngood,pos,train\nbad,neg,val\n');
    expect(res.status).toBe(422);
    expect(res.body.dataset).toMatchObject({ status: 'FAILED', failureReason: 'no row is in test (split column "split"): training needs train rows and evaluation needs test rows' });
  });

  it('refuses a split column together with split ratios, naming the field', async () => {
    const p = await create(a, { name: 'both', task: 'CLASSIFICATION', format: 'CSV', options: { splitColumn: 'split', splits: { train: 0.8, validation: 0.1, test: 0.1 } } });
    expect(p.dataset).toBeNull();
    expect(p.userErrors).toEqual([{ field: ['options', 'splitColumn'], code: 'INVALID', message: expect.stringMatching(/^options.splitColumn and options.splits cannot be combined/) }]);
  });

  it('reads a JSONL translation file\'s split field', async () => {
    const jsonl = [['Hallo', 'Hello', 'train'], ['Welt', 'World', 'train'], ['Haus', 'House', 'validation'], ['Baum', 'Tree', 'test']]
      .map(([source, target, split]) => JSON.stringify({ source, target, split })).join('\n');
    const res = await upload(a, { name: 'de-en', task: 'TRANSLATION', format: 'JSONL', options: { splitColumn: 'split' } }, jsonl);
    expect(res.body.dataset).toMatchObject({ status: 'READY', splits: { train: 2, validation: 1, test: 1 } });
    const data = await trainingRows(a, res.id, 'translation');
    expect(data.test).toEqual([{ source: 'Baum', target: 'Tree' }]);
  });
});

describe('split files', () => {
  it('refuses split files without a test file, or with ratios', async () => {
    const p = await create(a, { name: 'parts', task: 'TRANSLATION', format: 'TSV', splitFiles: ['TRAIN'], options: { splits: { train: 0.8, validation: 0.1, test: 0.1 } } });
    expect(p.userErrors.map((e: { field: string[] }) => e.field)).toEqual([['splitFiles'], ['options', 'splits']]);
    expect(p.userErrors[0].message).toBe('splitFiles must include test: training needs train rows and evaluation needs test rows');
  });

  it('joins three files into one READY dataset with per-split counts, in any order of arrival', async () => {
    const p = await create(a, { name: 'three files', task: 'TRANSLATION', format: 'TSV', splitFiles: ['TRAIN', 'VALIDATION', 'TEST'], options: { hasHeader: false } });
    expect(p.userErrors).toEqual([]);
    expect(p.upload).toBeNull();
    expect(p.uploads.map((u: { split: string }) => u.split)).toEqual(['TRAIN', 'VALIDATION', 'TEST']);
    expect(p.dataset.options).toEqual({ hasHeader: false, splitFiles: ['TRAIN', 'VALIDATION', 'TEST'] });
    expect(p.dataset.files).toEqual(p.uploads.map((u: { split: string }) => ({ split: u.split, status: 'WAITING', rowCount: null, byteSize: null, receivedAt: null, expiresAt: expect.any(String) })));
    const [train, validation, test] = p.uploads;
    const first = await put(test.url, 'Baum\tTree\nHaus\tHouse\n');
    expect(first.status).toBe(202);
    // Splits spelled as in GraphQL.
    expect(first.body.part).toEqual({ split: 'TEST', status: 'RECEIVED', rowCount: 2, byteSize: 21, waitingFor: ['TRAIN', 'VALIDATION'] });
    expect(first.body.dataset.status).toBe('PROCESSING');
    expect((await fetchDataset(a, p.dataset.id)).files).toEqual([
      { split: 'TRAIN', status: 'WAITING', rowCount: null, byteSize: null, receivedAt: null },
      { split: 'VALIDATION', status: 'WAITING', rowCount: null, byteSize: null, receivedAt: null },
      { split: 'TEST', status: 'RECEIVED', rowCount: 2, byteSize: 21, receivedAt: expect.any(String) },
    ]);
    // Both remaining files at once: exactly one of them joins the set.
    const [v, tr] = await Promise.all([put(validation.url, 'Hund\tDog\n'), put(train.url, 'Hallo\tHello\nWelt\tWorld\nKatze\tCat\n')]);
    expect([v.status, tr.status].sort()).toEqual([200, 202]);
    const d = await fetchDataset(a, p.dataset.id);
    expect(d).toMatchObject({ status: 'READY', rowCount: 6, splits: { train: 3, validation: 1, test: 2 }, errorCount: 0 });
    const sha = (s: string) => require('node:crypto').createHash('sha256').update(s).digest('hex');
    expect(d.sha256).toBe(sha(`train ${sha('Hallo\tHello\nWelt\tWorld\nKatze\tCat\n')}\nvalidation ${sha('Hund\tDog\n')}\ntest ${sha('Baum\tTree\nHaus\tHouse\n')}\n`));
    expect(d.byteSize).toBe(21 + 9 + 33);
    expect(d.files.map((f: { split: string; status: string; rowCount: number; byteSize: number }) => [f.split, f.status, f.rowCount, f.byteSize]))
      .toEqual([['TRAIN', 'RECEIVED', 3, 33], ['VALIDATION', 'RECEIVED', 1, 9], ['TEST', 'RECEIVED', 2, 21]]);
    expect(d.stats.source.chars.max).toBe(5);
    const data = await trainingRows(a, p.dataset.id, 'translation');
    expect(data.train).toEqual([{ source: 'Hallo', target: 'Hello' }, { source: 'Welt', target: 'World' }, { source: 'Katze', target: 'Cat' }]);
    expect(data.validation).toEqual([{ source: 'Hund', target: 'Dog' }]);
    expect(data.test).toEqual([{ source: 'Baum', target: 'Tree' }, { source: 'Haus', target: 'House' }]);
    expect(tempBlobs()).toEqual([]);
    expect(partBlobs(p.dataset.id)).toEqual([]);
  });

  it('fails the dataset when one file fails, names the file and line, deletes the other files, refuses the rest', async () => {
    const p = await create(a, { name: 'one bad file', task: 'CLASSIFICATION', format: 'CSV', splitFiles: ['TRAIN', 'VALIDATION', 'TEST'] });
    const [train, validation, test] = p.uploads;
    expect((await put(train.url, 'text,label\ngood,pos\nbad,neg\n')).status).toBe(202);
    expect(partBlobs(p.dataset.id)).toEqual([`tenants/${rawId(a.tenantId)}/datasets/${rawId(p.dataset.id)}/parts/train.jsonl`]);
    const bad = await put(test.url, 'text,label\nfine,pos\n,neg\n');
    expect(bad.status).toBe(422);
    expect(bad.body.part).toMatchObject({ split: 'TEST', status: 'FAILED' });
    // The split in the enum's spelling, the message human.
    expect(bad.body.dataset.errors).toEqual([{ line: 3, field: 'text', code: 'EMPTY_FIELD', part: 'TEST', message: 'test file, line 3: text is empty' }]);
    const d = await fetchDataset(a, p.dataset.id);
    expect(d).toMatchObject({ status: 'FAILED', rowCount: null, failureReason: expect.stringMatching(/^the test file failed: 1 row failed validation; the first is on line 3/) });
    expect(d.errors[0]).toMatchObject({ part: 'TEST', line: 3 });
    expect(d.files.map((f: { split: string; status: string }) => [f.split, f.status])).toEqual([['TRAIN', 'RECEIVED'], ['VALIDATION', 'WAITING'], ['TEST', 'FAILED']]);
    expect(d.files[2]).toMatchObject({ rowCount: null, byteSize: 25, receivedAt: expect.any(String) });
    expect(tempBlobs()).toEqual([]);
    expect(partBlobs(p.dataset.id)).toEqual([]);
    const late = await put(validation.url, 'text,label\nok,pos\n');
    expect(late.status).toBe(409);
    expect(late.body.errors[0].extensions.code).toBe('DATASET_FAILED');
    expect(blobKeys().filter((k) => k.includes(rawId(p.dataset.id)))).toEqual([]);
  });

  it('refuses a file of another tenant\'s dataset (even with its URL) and keeps it waiting', async () => {
    const p = await create(a, { name: 'private parts', task: 'CLASSIFICATION', format: 'CSV', splitFiles: ['TRAIN', 'TEST'] });
    const foreign = await put(p.uploads[0].url, 'text,label\nx,y\n', { authorization: `Bearer ${b.token}` });
    expect(foreign.status).toBe(404);
    const asB = await gql(t.url, DATASET, { id: p.dataset.id }, { token: b.token });
    expect(asB.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(asB.data?.dataset).toBeNull();
    // Nor do its files show through B's list, while A's list shows them.
    const listed = (user: TestUser) => gql(t.url, LIST, {}, { token: user.token }).then((r) => r.data!.datasets.edges.map((e: { node: { id: string } }) => e.node));
    expect((await listed(b)).map((n: { id: string }) => n.id)).not.toContain(p.dataset.id);
    expect((await listed(a)).find((n: { id: string }) => n.id === p.dataset.id)).toEqual({ id: p.dataset.id, files: [{ split: 'TRAIN', status: 'WAITING' }, { split: 'TEST', status: 'WAITING' }] });
    expect((await fetchDataset(a, p.dataset.id)).status).toBe('UPLOADING');
    // The owner's token is fine; the URL's token is the permission.
    expect((await put(p.uploads[0].url, 'text,label\nx,y\n', { authorization: `Bearer ${a.token}` })).status).toBe(202);
    expect((await put(p.uploads[1].url, 'text,label\nz,w\n')).status).toBe(200);
    expect((await fetchDataset(a, p.dataset.id)).splits).toEqual({ train: 1, validation: 0, test: 1 });
  });

  const DATA = datasetsDir();
  const multi30k = DATA && fs.existsSync(path.join(DATA, 'multi30k-en-de/train.de.gz')) ? it : it.skip;
  if (!multi30k) console.warn('skipping the Multi30k split-files test: shared/datasets/multi30k-en-de not found (set TUNEFORGE_DATASETS)');
  multi30k('Multi30k train/val/test (de→en) as three gzipped split files: 29,000 / 1,014 / 1,000 pairs', async () => {
    const pairs = (name: string) => {
      const read = (lang: string) => zlib.gunzipSync(fs.readFileSync(path.join(DATA!, `multi30k-en-de/${name}.${lang}.gz`))).toString('utf8').split('\n');
      const [de, en] = [read('de'), read('en')];
      return de.map((line, i) => `${line}\t${en[i]}`).filter((l) => l.trim() !== '').join('\n');
    };
    const p = await create(a, { name: 'multi30k', task: 'TRANSLATION', format: 'TSV', splitFiles: ['TRAIN', 'VALIDATION', 'TEST'], options: { hasHeader: false } });
    const files = [pairs('train'), pairs('val'), pairs('test_2016_flickr')];
    const results = [];
    for (const [k, u] of p.uploads.entries()) results.push(await put(u.url, zlib.gzipSync(files[k]), { 'content-encoding': 'gzip' }));
    expect(results.map((r) => r.status)).toEqual([202, 202, 200]);
    expect(results[2].body.dataset).toMatchObject({ status: 'READY', rowCount: 31_014, splits: { train: 29_000, validation: 1014, test: 1000 } });
    const d = await fetchDataset(a, p.dataset.id);
    expect(d.stats.target.tokens.mean).toBeGreaterThan(11);
    expect(d.stats.target.tokens.mean).toBeLessThan(15); // README: 13.0 English words per sentence
  }, 60_000);
});

describe('split-file housekeeping', () => {
  const DAY = 24 * 3600 * 1000;

  it('keeps a received file older than the temporary-blob sweep age, and joins it when the last file arrives', async () => {
    const p = await create(a, { name: 'slow test file', task: 'CLASSIFICATION', format: 'CSV', splitFiles: ['TRAIN', 'TEST'] });
    const [train, test] = p.uploads;
    expect((await put(train.url, 'text,label\ngood,pos\nbad,neg\n')).status).toBe(202);
    // The blob the database says holds the train file: durable, not temporary.
    const [{ part_key: key }] = await sql(`SELECT part_key FROM dataset_uploads WHERE id = $1`, [train.id]);
    expect(key).toBe(`tenants/${rawId(a.tenantId)}/datasets/${rawId(p.dataset.id)}/parts/train.jsonl`);
    expect(tempBlobs()).toEqual([]);
    // Two days pass (the URLs live up to 7): the blob and the upload's times are older than the sweep's 24 h.
    const twoDaysAgo = new Date(Date.now() - 2 * DAY);
    fs.utimesSync(path.join(t.config.DATA_DIR, 'blobs', key), twoDaysAgo, twoDaysAgo);
    await sql(`UPDATE dataset_uploads SET created_at = $2, used_at = $2, finished_at = $2 WHERE id = $1`, [train.id, twoDaysAgo]);
    await sql(`UPDATE datasets SET created_at = $2 WHERE id = $1`, [rawId(p.dataset.id), twoDaysAgo]);
    await t.api.services.datasets.sweep();
    expect(partBlobs(p.dataset.id)).toEqual([key]);
    expect(await fetchDataset(a, p.dataset.id)).toMatchObject({ status: 'PROCESSING', files: [{ split: 'TRAIN', status: 'RECEIVED', rowCount: 2 }, { split: 'TEST', status: 'WAITING' }] });

    const last = await put(test.url, 'text,label\nfine,pos\n');
    expect(last.status).toBe(200);
    expect(last.body.dataset).toMatchObject({ status: 'READY', rowCount: 3, splits: { train: 2, validation: 0, test: 1 } });
    const data = await trainingRows(a, p.dataset.id, 'classification');
    expect(data.train.map((r) => (r as { text: string }).text)).toEqual(['good', 'bad']);
    expect(partBlobs(p.dataset.id)).toEqual([]);
    expect(await sql(`SELECT part_key FROM dataset_uploads WHERE dataset_id = $1`, [rawId(p.dataset.id)])).toEqual([{ part_key: null }, { part_key: null }]);
  });

  it('deletes the received files with the dataset', async () => {
    const p = await create(a, { name: 'deleted while waiting', task: 'CLASSIFICATION', format: 'CSV', splitFiles: ['TRAIN', 'VALIDATION', 'TEST'] });
    expect((await put(p.uploads[0].url, 'text,label\nx,y\n')).status).toBe(202);
    expect((await put(p.uploads[2].url, 'text,label\nz,w\n')).status).toBe(202);
    expect(partBlobs(p.dataset.id)).toHaveLength(2);
    const res = await gql(t.url, DELETE, { id: p.dataset.id }, { token: a.token });
    expect(res.data!.deleteDataset).toEqual({ deletedDatasetId: p.dataset.id, userErrors: [] });
    expect(blobKeys().filter((k) => k.includes(rawId(p.dataset.id)))).toEqual([]);
    expect((await put(p.uploads[1].url, 'text,label\nv,u\n')).status).toBe(404);
  });

  it('fails a dataset whose test URL expired unused, naming the file, and deletes the files already received', async () => {
    const p = await create(a, { name: 'test never sent', task: 'CLASSIFICATION', format: 'CSV', splitFiles: ['TRAIN', 'TEST'] });
    expect((await put(p.uploads[0].url, 'text,label\nx,y\n')).status).toBe(202);
    expect(partBlobs(p.dataset.id)).toHaveLength(1);
    await sql(`UPDATE dataset_uploads SET expires_at = now() - interval '1 minute' WHERE id = $1`, [p.uploads[1].id]);
    await t.api.services.datasets.sweep();
    expect(await fetchDataset(a, p.dataset.id)).toMatchObject({ status: 'FAILED', failureReason: 'the upload URL of the test file expired before the file arrived' });
    expect(partBlobs(p.dataset.id)).toEqual([]);
    expect(tempBlobs()).toEqual([]);
  });

  it('fails a dataset whose server stopped while joining its files, and deletes them', async () => {
    const p = await create(a, { name: 'join interrupted', task: 'CLASSIFICATION', format: 'CSV', splitFiles: ['TRAIN', 'TEST'] });
    expect((await put(p.uploads[0].url, 'text,label\nx,y\n')).status).toBe(202);
    // As a crash mid-join leaves it: every file in long ago, the dataset still PROCESSING.
    const longAgo = new Date(Date.now() - 2 * DAY);
    await sql(`UPDATE dataset_uploads SET used_at = $2, finished_at = $2 WHERE dataset_id = $1`, [rawId(p.dataset.id), longAgo]);
    await t.api.services.datasets.sweep();
    expect(await fetchDataset(a, p.dataset.id)).toMatchObject({ status: 'FAILED', failureReason: 'the server stopped while joining the files: upload them again' });
    expect(partBlobs(p.dataset.id)).toEqual([]);
  });
});

import http from 'node:http';
import { parseGlobalId } from '../src/common/global-id';
import { FakeS3 } from './fake-s3';
import { gql, signUp, startTestApi, TestApi, TestUser } from './helpers';

const BUCKET = 'tuneforge-it';
const CREATE = `mutation CreateDatasetUpload($input: CreateDatasetUploadInput!) {
  createDatasetUpload(input: $input) { upload { id url headers } dataset { id status } userErrors { field message code } }
}`;
const DATASET = `query Dataset($id: ID!) { dataset(id: $id) { id status rowCount failureReason } }`;

let fake: FakeS3;
let t: TestApi;
let a: TestUser;

beforeAll(async () => {
  fake = new FakeS3([BUCKET]);
  const endpoint = await fake.start();
  t = await startTestApi({
    BLOB_STORE: 's3',
    S3_BUCKET: BUCKET,
    S3_ENDPOINT: endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'tuneforge-test',
    S3_SECRET_ACCESS_KEY: 'tuneforge-test-secret',
  });
  a = await signUp(t.url);
});
afterAll(async () => {
  await t?.stop();
  await fake?.stop();
});

const rowId = (globalId: string) => parseGlobalId(globalId)!.id;

async function createUpload(input: Record<string, unknown>) {
  const res = await gql(t.url, CREATE, { input }, { token: a.token });
  const p = res.data?.createDatasetUpload;
  if (!p?.upload) throw new Error(`createDatasetUpload failed: ${JSON.stringify(res)}`);
  return p as { upload: { url: string; headers: Record<string, string> }; dataset: { id: string } };
}

describe('datasets on S3-compatible storage (BLOB_STORE=s3)', () => {
  it('stores an uploaded dataset under tenants/<tenant>/datasets/<id>/rows.jsonl and leaves no temporary object', async () => {
    const { upload, dataset } = await createUpload({ name: 'reviews', task: 'CLASSIFICATION', format: 'CSV' });
    const csv = 'text,label\ngreat product,pos\nterrible service,neg\nworks as described,pos\n';
    const res = await fetch(upload.url, { method: 'PUT', body: csv, headers: upload.headers });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { dataset: { status: string; rowCount: number } }).dataset).toMatchObject({ status: 'READY', rowCount: 3 });

    const key = `tenants/${rowId(a.tenantId)}/datasets/${rowId(dataset.id)}/rows.jsonl`;
    const object = fake.object(BUCKET, key);
    expect(object).toBeDefined();
    const rows = object!.body.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(3);
    expect(JSON.stringify(rows)).toContain('terrible service');
    expect(fake.ops('PutObject').length + fake.ops('UploadPart').length).toBeGreaterThan(0);
    expect(fake.ops('CopyObject').map((r) => r.key)).toContain(key);
    expect(fake.keys(BUCKET, 'tmp/')).toEqual([]);
  });

  it('leaves no object for an upload that fails validation', async () => {
    const { upload, dataset } = await createUpload({ name: 'broken', task: 'RECOMMENDATION', format: 'CSV' });
    const res = await fetch(upload.url, { method: 'PUT', body: 'user_id,item_id,rating\n1,10,4\n2,11,four\n', headers: upload.headers });
    expect(res.status).toBe(422);
    expect(fake.ops('DeleteObject').some((r) => r.key.startsWith('tmp/'))).toBe(true);
    expect(fake.keys(BUCKET, `tenants/${rowId(a.tenantId)}/datasets/${rowId(dataset.id)}/`)).toEqual([]);
    expect(fake.keys(BUCKET, 'tmp/')).toEqual([]);
  });

  it('leaves no object and no open multipart upload when the client disconnects half way', async () => {
    const { upload, dataset } = await createUpload({ name: 'cut', task: 'CLASSIFICATION', format: 'CSV' });
    await new Promise<void>((resolve) => {
      const req = http.request(upload.url, { method: 'PUT', headers: { ...upload.headers, 'content-length': '1000000' } });
      req.on('error', () => resolve());
      req.write('text,label\n' + 'half a file,pos\n'.repeat(1000));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
    let d = (await gql(t.url, DATASET, { id: dataset.id }, { token: a.token })).data?.dataset;
    for (let i = 0; i < 50 && d.status !== 'FAILED'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      d = (await gql(t.url, DATASET, { id: dataset.id }, { token: a.token })).data?.dataset;
    }
    expect(d.status).toBe('FAILED');
    expect(fake.keys(BUCKET, `tenants/${rowId(a.tenantId)}/datasets/${rowId(dataset.id)}/`)).toEqual([]);
    // The dataset service deletes the temporary blob before it writes FAILED; the store waits for the aborted upload.
    expect(fake.keys(BUCKET, 'tmp/')).toEqual([]);
    expect(fake.uploads.size).toBe(0);
  });
});

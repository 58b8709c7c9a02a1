import { idOf } from '../src/common/global-id';
import { gql, signUp, startTestApi, TestApi } from './helpers';

const LAUNCH = `mutation($input: LaunchRunInput!) { launchRun(input: $input) { run { id status } userErrors { field message code } } }`;

describe('plan limits', () => {
  let t: TestApi;
  beforeAll(async () => {
    // A dispatching server with its own queue; the free plan gets 0.01 GPU-hours (36 GPU-seconds) and 2 KiB of datasets.
    t = await startTestApi({ DISPATCHER_ENABLED: 'true', BILLING_PLANS: JSON.stringify({ free: { gpuHoursPerPeriod: 0.01, datasetBytes: 2048 } }) });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('the GPU-hour cap stops dispatch of new runs: they stay QUEUED and their events say why', async () => {
    const user = await signUp(t.url);
    const created = await gql(t.url, `mutation($input: CreateDatasetUploadInput!) { createDatasetUpload(input: $input) { upload { url } dataset { id } } }`, { input: { name: 'r', task: 'RECOMMENDATION', format: 'TSV' } }, { token: user.token });
    const { upload, dataset } = created.data!.createDatasetUpload;
    expect((await fetch(upload.url, { method: 'PUT', body: '1\t10\t4\n2\t10\t3\n3\t11\t5\n4\t12\t2\n5\t10\t4\n6\t11\t1\n' })).status).toBe(200);
    // 40 GPU-seconds already used this period.
    await t.api.database.dataSource.query(`INSERT INTO usage_records (tenant_id, meter, quantity, idempotency_key) VALUES ($1, 'training_gpu_seconds', 40, $2)`, [idOf('Tenant', user.tenantId), `cap:${user.tenantId}`]);
    const run = (await gql(t.url, LAUNCH, { input: { modelName: 'capped', task: 'RECOMMENDATION', datasetId: dataset.id } }, { token: user.token })).data!.launchRun.run;
    let events: { level: string; message: string; data: Record<string, unknown> }[] = [];
    let status = '';
    for (let i = 0; i < 100 && !events.some((e) => e.data?.hold); i++) {
      await new Promise((r) => setTimeout(r, 200));
      const res = (await gql(t.url, `query($id: ID!) { run(id: $id) { status events(first: 20) { nodes { level message data } } } }`, { id: run.id }, { token: user.token })).data!.run;
      events = res.events.nodes;
      status = res.status;
    }
    const hold = events.find((e) => e.data?.hold)!;
    expect(status).toBe('QUEUED');
    expect(hold).toMatchObject({ level: 'warn', data: { hold: 'GPU_HOURS_EXHAUSTED', limit: 'gpuHoursPerPeriod', plan: 'free', usedGpuHours: 0.011, limitGpuHours: 0.01 } });
    expect(hold.message).toMatch(/free plan's 0.01 GPU-hours for this billing period are used up \(0.011 of 0.01 GPU-hours used\)/);
    const billing = (await gql(t.url, `{ billing { gpuHoursThisPeriod plan { limits { gpuHoursPerPeriod } } } }`, {}, { token: user.token })).data!.billing;
    expect(billing.gpuHoursThisPeriod).toBeCloseTo(40 / 3600, 6);
    await gql(t.url, `mutation($id: ID!) { cancelRun(id: $id) { run { status } } }`, { id: run.id }, { token: user.token });
  });

  it('dataset uploads stop at the plan\'s storage and the message names the limit and the usage', async () => {
    const user = await signUp(t.url);
    const res = await gql(t.url, `mutation($input: CreateDatasetUploadInput!) { createDatasetUpload(input: $input) { dataset { id } userErrors { field message code } } }`, { input: { name: 'big', task: 'RECOMMENDATION', format: 'TSV', byteSize: 4096 } }, { token: user.token });
    expect(res.data!.createDatasetUpload.userErrors[0]).toMatchObject({ field: ['byteSize'], code: 'QUOTA_EXCEEDED', message: 'dataset storage is full: 0 of 2048 bytes allowed by the free plan used, and this file is 4096 bytes' });
  });
});

import { trainerJobName } from '../src/training/executors/kubernetes-job';
import { FakeKubeApi } from './fake-kube-api';
import { gql, signUp, startTestApi, TestApi, TestUser } from './helpers';

/**
 * The API dispatching to the Kubernetes executor, against a local server that speaks the
 * Kubernetes API (test/fake-kube-api.ts). The production code path is unchanged: only the URL.
 * The test plays the cluster (Kueue admission, pods, eviction, OOM) and, with the token the
 * executor put in the Job's Secret, the trainer's heartbeats.
 */
const NS = 'tuneforge-training';
const KUBE_TOKEN = 'kube-test-token';
const RUN = `query Run($id: ID!) { run(id: $id) { id status attempt error { code message } events(first: 100) { nodes { message } } } }`;

let kube: FakeKubeApi;
let t: TestApi;
let a: TestUser;
let dataset: string;

beforeAll(async () => {
  kube = await FakeKubeApi.start({ token: KUBE_TOKEN });
  t = await startTestApi({
    DISPATCHER_ENABLED: 'true',
    RUN_EXECUTOR: 'kubernetes',
    K8S_API_URL: kube.url,
    K8S_TOKEN: KUBE_TOKEN,
    K8S_NAMESPACE: NS,
    K8S_TRAINER_IMAGE: 'registry.example.com/tuneforge/trainer:1.2.3',
    RUN_HEARTBEAT_SECONDS: '0.5',
    RUN_PROVISIONING_TIMEOUT_SECONDS: '600',
    RUN_HEARTBEAT_TIMEOUT_SECONDS: '4',
  });
  a = await signUp(t.url);
  const created = await gql(t.url, `mutation($input: CreateDatasetUploadInput!) { createDatasetUpload(input: $input) { upload { url } dataset { id } } }`, { input: { name: 'tiny', task: 'RECOMMENDATION', format: 'TSV' } }, { token: a.token });
  await fetch(created.data!.createDatasetUpload.upload.url, { method: 'PUT', body: '1\t10\t4\n2\t10\t3\n3\t11\t5\n4\t12\t2\n' });
  dataset = created.data!.createDatasetUpload.dataset.id;
});
afterAll(async () => {
  await t.stop();
  await kube.close();
});

const rowId = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1];

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function launch(gpus = 1): Promise<string> {
  const res = await gql(t.url, `mutation($input: LaunchRunInput!) { launchRun(input: $input) { run { id } userErrors { message } } }`, { input: { modelName: 'k8s', task: 'RECOMMENDATION', datasetId: dataset, gpus, hyperparameters: { epochs: 1 } } }, { token: a.token });
  if (!res.data?.launchRun.run) throw new Error(`launchRun: ${JSON.stringify(res)}`);
  return res.data.launchRun.run.id;
}

const runOf = async (id: string) => (await gql(t.url, RUN, { id }, { token: a.token })).data!.run;

/** What the trainer would read from its environment: the token the executor stored in the attempt's Secret. */
function tokenOf(id: string, attempt: number): string {
  const job = kube.get('jobs', NS, trainerJobName(rowId(id), attempt))!;
  const env = (job as any).spec.template.spec.containers[0].env as { name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  const ref = env.find((e) => e.name === 'TUNEFORGE_RUN_TOKEN')!.valueFrom!.secretKeyRef;
  const secret = kube.get('secrets', NS, ref.name) as any;
  return Buffer.from(secret.data[ref.key], 'base64').toString('utf8');
}

async function heartbeat(id: string, attempt: number, token: string) {
  const res = await fetch(`${t.base}/internal/runs/${rowId(id)}/heartbeat`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-run-attempt': String(attempt), 'content-type': 'application/json' }, body: '{}' });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('runs on the Kubernetes executor', () => {
  it('submits a Job for the GPU pool through Kueue, with the run token only in a Secret', async () => {
    const id = await launch(2);
    const name = trainerJobName(rowId(id), 1);
    const job = (await until('the Job', () => kube.get('jobs', NS, name))) as any;
    expect(job.metadata.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'tuneforge-training', 'tuneforge.io/run': rowId(id), 'tuneforge.io/attempt': '1' });
    expect(job.spec).toMatchObject({ backoffLimit: 0, suspend: true });
    const container = job.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.example.com/tuneforge/trainer:1.2.3');
    expect(container.resources.limits['nvidia.com/gpu']).toBe('2');
    expect(container.env.find((e: { name: string }) => e.name === 'TUNEFORGE_API_URL').value).toBe(t.base);
    expect(JSON.stringify(job)).not.toContain(tokenOf(id, 1));
    expect((await runOf(id)).status).toBe('PROVISIONING');

    // Kueue admits it, the pod starts, and the trainer's first heartbeat makes the run RUNNING.
    kube.admit(NS, name);
    kube.startPod(NS, name);
    expect(await heartbeat(id, 1, tokenOf(id, 1))).toEqual({ status: 200, body: { cancel: false } });
    expect((await runOf(id)).status).toBe('RUNNING');

    // Cancelling deletes the Job and its Secret; the trainer's next heartbeat learns it.
    await gql(t.url, `mutation($id: ID!) { cancelRun(id: $id) { run { status } } }`, { id }, { token: a.token });
    await until('the Job and Secret to go', () => !kube.get('jobs', NS, name) && kube.list('secrets', NS).every((s: any) => s.metadata.labels?.['tuneforge.io/run'] !== rowId(id)));
  });

  it('requeues an evicted attempt: attempt 2 gets a new Job and token, attempt 1\'s token is refused', async () => {
    const id = await launch();
    const first = trainerJobName(rowId(id), 1);
    await until('the Job', () => kube.get('jobs', NS, first));
    kube.admit(NS, first);
    kube.startPod(NS, first);
    const token1 = tokenOf(id, 1);
    await heartbeat(id, 1, token1);
    kube.evict(NS, first);
    const second = trainerJobName(rowId(id), 2);
    await until('attempt 2\'s Job', () => kube.get('jobs', NS, second));
    const run = await runOf(id);
    expect(run).toMatchObject({ status: 'PROVISIONING', attempt: 2 });
    expect(run.events.nodes.map((e: { message: string }) => e.message).join('\n')).toMatch(/attempt 1 lost: .*evict/i);
    const stale = await heartbeat(id, 1, token1);
    expect(stale.status).toBe(401);
    expect(tokenOf(id, 2)).not.toBe(token1);
  });

  it('requeues a run whose heartbeats stop, and refuses the silent attempt\'s late heartbeat', async () => {
    const id = await launch();
    const name = trainerJobName(rowId(id), 1);
    await until('the Job', () => kube.get('jobs', NS, name));
    kube.admit(NS, name);
    kube.startPod(NS, name);
    const token = tokenOf(id, 1);
    await heartbeat(id, 1, token);
    // No more heartbeats: the reaper (any replica) notices after RUN_HEARTBEAT_TIMEOUT_SECONDS.
    const run = await until('the requeue', async () => {
      const r = await runOf(id);
      return r.attempt === 2 ? r : null;
    });
    expect(run.events.nodes.map((e: { message: string }) => e.message).join('\n')).toMatch(/attempt 1 lost: no heartbeat for 4 s/);
    expect((await heartbeat(id, 1, token)).status).toBe(401);
    await until('attempt 1\'s Job to be deleted', () => !kube.get('jobs', NS, name));
  });

  it('fails a run whose pod is OOM-killed, saying so', async () => {
    const id = await launch();
    const name = trainerJobName(rowId(id), 1);
    await until('the Job', () => kube.get('jobs', NS, name));
    kube.admit(NS, name);
    kube.startPod(NS, name);
    await heartbeat(id, 1, tokenOf(id, 1));
    kube.oomKill(NS, name);
    const run = await until('FAILED', async () => {
      const r = await runOf(id);
      return r.status === 'FAILED' ? r : null;
    });
    expect(run.error.message).toMatch(/out of memory|OOMKilled/i);
  });
});

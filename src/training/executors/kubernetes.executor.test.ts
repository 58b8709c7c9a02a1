import { FakeKubeApi } from '../../../test/fake-kube-api';
import type { AttemptLaunch, WorkerEvent } from '../executor';
import { trainerJobName } from './kubernetes-job';
import { KubernetesExecutor } from './kubernetes.executor';

const NS = 'tuneforge-training';
const KUBE_TOKEN = 'fake-service-account-token';

let api: FakeKubeApi;
let executor: KubernetesExecutor;
let events: WorkerEvent[];
let seq = 0;

function launchSpec(overrides: Partial<AttemptLaunch> = {}): AttemptLaunch {
  seq++;
  return {
    tenantId: 'tenant-a',
    runId: `run-${seq}`,
    attempt: 1,
    gpus: 1,
    apiUrl: 'http://tuneforge-api:4000',
    runToken: `run-token-${seq}`,
    activeDeadlineSeconds: 3600,
    queueName: 'tenant-a-queue',
    ...overrides,
  };
}

/** Waits until the events of an attempt equal `kinds` (the watch is asynchronous). */
async function eventsFor(spec: AttemptLaunch, kinds: string[], timeoutMs = 3000): Promise<WorkerEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mine = events.filter((e) => e.runId === spec.runId && e.attempt === spec.attempt);
    if (mine.length >= kinds.length || Date.now() > deadline) {
      expect(mine.map((e) => e.kind)).toEqual(kinds);
      return mine;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeEach(async () => {
  api = await FakeKubeApi.start({ token: KUBE_TOKEN });
  executor = new KubernetesExecutor({
    connection: { server: api.url, token: KUBE_TOKEN },
    namespace: NS,
    image: 'tuneforge/trainer:test',
    gpuNodeSelector: { pool: 'gpu' },
    gpuTolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    ttlSecondsAfterFinished: 120,
    watchRetryDelayMs: 20,
  });
  events = [];
  executor.onEvent((e) => events.push(e));
  await executor.start();
});

afterEach(async () => {
  await executor.close();
  await api.close();
});

describe('KubernetesExecutor against a Kubernetes API', () => {
  it('creates the token Secret and a Job that references it, owned by the Job', async () => {
    const spec = launchSpec({ gpus: 2 });
    await executor.launch(spec);
    const name = trainerJobName(spec.runId, 1);
    const job = api.get('jobs', NS, name)!;
    const secret = api.get('secrets', NS, name)!;
    expect(job.metadata.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'tenant-a-queue', 'tuneforge.io/run': spec.runId, 'app.kubernetes.io/managed-by': 'tuneforge' });
    expect(job.spec.template.spec.nodeSelector).toEqual({ pool: 'gpu' });
    expect(job.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('2');
    expect(job.spec.ttlSecondsAfterFinished).toBe(120);
    expect(Buffer.from((secret.data as Record<string, string>).token, 'base64').toString()).toBe(spec.runToken);
    expect(secret.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name, uid: job.metadata.uid })]);
    // The token went over the wire only in the Secret.
    const bodies = api.requests.filter((r) => !r.path.startsWith(`/api/v1/namespaces/${NS}/secrets`)).map((r) => JSON.stringify(r.body ?? ''));
    expect(bodies.join('\n')).not.toContain(spec.runToken);
    expect(executor.active()).toBe(1);
  });

  it('launching the same attempt twice leaves one Job', async () => {
    const spec = launchSpec();
    await executor.launch(spec);
    await executor.launch(spec);
    expect(api.list('jobs', NS)).toHaveLength(1);
    expect(api.list('secrets', NS)).toHaveLength(1);
  });

  it('reports PROVISIONING while Kueue holds the Job suspended, then RUNNING after admission, then EXITED', async () => {
    const spec = launchSpec();
    await executor.launch(spec);
    const name = trainerJobName(spec.runId, 1);
    const [waiting] = await eventsFor(spec, ['PROVISIONING']);
    expect(waiting.reason).toMatch(/queue tenant-a-queue.*Kueue has not admitted/);
    expect(api.podsOf(NS, name)).toHaveLength(0);

    api.admit(NS, name);
    await until(() => api.podsOf(NS, name).length === 1, 'the pod');
    api.startPod(NS, name);
    await eventsFor(spec, ['PROVISIONING', 'RUNNING']);
    api.succeed(NS, name);
    await eventsFor(spec, ['PROVISIONING', 'RUNNING', 'EXITED']);
    expect(executor.active()).toBe(0);
  });

  it('reports an OOM kill as FAILED with a reason about memory', async () => {
    const spec = launchSpec();
    await executor.launch(spec);
    const name = trainerJobName(spec.runId, 1);
    api.admit(NS, name);
    api.startPod(NS, name);
    await eventsFor(spec, ['PROVISIONING', 'RUNNING']);
    api.oomKill(NS, name);
    const [, , failed] = await eventsFor(spec, ['PROVISIONING', 'RUNNING', 'FAILED']);
    expect(failed.reason).toMatch(/^the trainer ran out of memory \(OOMKilled\): .*16Gi/);
  });

  it('reports an eviction as LOST so the API requeues the run', async () => {
    const spec = launchSpec();
    await executor.launch(spec);
    const name = trainerJobName(spec.runId, 1);
    api.admit(NS, name);
    api.startPod(NS, name);
    await eventsFor(spec, ['PROVISIONING', 'RUNNING']);
    api.evict(NS, name);
    const [, , lost] = await eventsFor(spec, ['PROVISIONING', 'RUNNING', 'LOST']);
    expect(lost.reason).toMatch(/evicted.*low on resource: memory.*another attempt/);
  });

  it('reports a running Job that Kueue suspends again (preemption) as LOST', async () => {
    const spec = launchSpec();
    await executor.launch(spec);
    const name = trainerJobName(spec.runId, 1);
    api.admit(NS, name);
    api.startPod(NS, name);
    await eventsFor(spec, ['PROVISIONING', 'RUNNING']);
    api.preemptByKueue(NS, name);
    const [, , lost] = await eventsFor(spec, ['PROVISIONING', 'RUNNING', 'LOST']);
    expect(lost.reason).toMatch(/preempted by the GPU queue/);
  });

  it('reports a Job past its activeDeadlineSeconds as FAILED: ran past its time limit', async () => {
    const spec = launchSpec({ activeDeadlineSeconds: 900 });
    await executor.launch(spec);
    const name = trainerJobName(spec.runId, 1);
    api.admit(NS, name);
    api.startPod(NS, name);
    await eventsFor(spec, ['PROVISIONING', 'RUNNING']);
    api.exceedDeadline(NS, name);
    const [, , failed] = await eventsFor(spec, ['PROVISIONING', 'RUNNING', 'FAILED']);
    expect(failed.reason).toBe('the trainer ran past its time limit of 900 s (DeadlineExceeded)');
  });

  it('reports a crash with its exit code', async () => {
    const spec = launchSpec();
    await executor.launch(spec);
    const name = trainerJobName(spec.runId, 1);
    api.admit(NS, name);
    api.startPod(NS, name);
    await eventsFor(spec, ['PROVISIONING', 'RUNNING']);
    api.crash(NS, name, 3, 'Error: dataset split not found');
    const all = await eventsFor(spec, ['PROVISIONING', 'RUNNING', 'FAILED']);
    expect(all[2].reason).toBe('the trainer exited with code 3: Error: dataset split not found');
  });

  it('stop() deletes the Job in the background (its pod goes too) and the Secret, and is idempotent', async () => {
    const spec = launchSpec();
    await executor.launch(spec);
    const name = trainerJobName(spec.runId, 1);
    api.admit(NS, name);
    api.startPod(NS, name);
    await eventsFor(spec, ['PROVISIONING', 'RUNNING']);
    await executor.stop(spec.runId, 1);
    expect(api.get('jobs', NS, name)).toBeUndefined();
    expect(api.get('secrets', NS, name)).toBeUndefined();
    expect(api.list('pods', NS)).toHaveLength(0);
    expect(api.requests).toContainEqual(expect.objectContaining({ method: 'DELETE', path: expect.stringMatching(new RegExp(`/jobs/${name}\\?propagationPolicy=Background`)) }));
    await executor.stop(spec.runId, 1);
    await new Promise((r) => setTimeout(r, 50));
    // A Job we deleted ourselves is not a lost worker.
    await eventsFor(spec, ['PROVISIONING', 'RUNNING']);
    expect(executor.active()).toBe(0);
  });

  it('reports a Job deleted behind its back as LOST', async () => {
    const spec = launchSpec();
    await executor.launch(spec);
    const name = trainerJobName(spec.runId, 1);
    await eventsFor(spec, ['PROVISIONING']);
    await fetch(`${api.url}/apis/batch/v1/namespaces/${NS}/jobs/${name}`, { method: 'DELETE', headers: { authorization: `Bearer ${KUBE_TOKEN}` } });
    await eventsFor(spec, ['PROVISIONING', 'LOST']);
  });

  it('resumes watching after the server closes the streams, without missing changes made meanwhile', async () => {
    const spec = launchSpec();
    await executor.launch(spec);
    const name = trainerJobName(spec.runId, 1);
    await eventsFor(spec, ['PROVISIONING']);
    await until(() => api.openWatches() === 2, 'two watches');
    api.dropWatches();
    api.admit(NS, name);
    api.startPod(NS, name);
    await eventsFor(spec, ['PROVISIONING', 'RUNNING']);
    await until(() => api.openWatches() === 2, 'the watches to reopen');
    const resumed = api.requests.filter((r) => r.path.includes('watch=true') && /resourceVersion=\d+/.test(r.path));
    expect(resumed.length).toBeGreaterThanOrEqual(4);
    api.succeed(NS, name);
    await eventsFor(spec, ['PROVISIONING', 'RUNNING', 'EXITED']);
  });

  it('relists when its resourceVersion has expired (410 Gone)', async () => {
    const spec = launchSpec();
    await executor.launch(spec);
    const name = trainerJobName(spec.runId, 1);
    await eventsFor(spec, ['PROVISIONING']);
    await until(() => api.openWatches() === 2, 'two watches');
    const lists = () => api.requests.filter((r) => r.method === 'GET' && !r.path.includes('watch=true') && /\/(jobs|pods)\?/.test(r.path)).length;
    const listsBefore = lists();
    api.dropWatches();
    api.admit(NS, name);
    api.startPod(NS, name);
    api.compact();
    await eventsFor(spec, ['PROVISIONING', 'RUNNING']);
    expect(lists()).toBeGreaterThan(listsBefore);
  });

  it('picks up Jobs that already exist when it starts (another replica launched them)', async () => {
    const spec = launchSpec();
    await executor.launch(spec);
    const name = trainerJobName(spec.runId, 1);
    api.admit(NS, name);
    api.startPod(NS, name);
    const other = new KubernetesExecutor({ connection: { server: api.url, token: KUBE_TOKEN }, namespace: NS });
    const seen: WorkerEvent[] = [];
    other.onEvent((e) => seen.push(e));
    await other.start();
    try {
      expect(seen).toEqual([{ runId: spec.runId, attempt: 1, kind: 'RUNNING' }]);
      expect(other.active()).toBe(1);
    } finally {
      await other.close();
    }
  });
});

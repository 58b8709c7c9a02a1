/**
 * A fake Kubernetes API server for tests (node:http): the subset the Kubernetes executor uses,
 * with real object shapes and semantics — create/get/list/replace/delete and `?watch=true` for
 * Jobs, Pods and Secrets in namespaces, label selectors, a global resourceVersion, watch resume
 * from a resourceVersion (410 Gone once compacted), `Status` errors (404 NotFound, 409
 * AlreadyExists/Conflict, 401), garbage collection of owned objects on Background deletion
 * (Jobs default to orphaning, as in the real API).
 *
 * A small Job controller and Kueue stand in for the cluster: with `kueue` on, a Job carrying a
 * `kueue.x-k8s.io/queue-name` label is created suspended until `admit()`; an unsuspended Job gets
 * a Pending pod. Hooks then drive the pod: `startPod`, `succeed`, `oomKill`, `evict`,
 * `exceedDeadline`, and `dropWatches` ends every open watch stream.
 */
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    generation?: number;
    labels?: Record<string, string>;
    ownerReferences?: Array<{ uid: string; kind: string; name: string; apiVersion: string; controller?: boolean }>;
    deletionTimestamp?: string;
    [k: string]: unknown;
  };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  [k: string]: unknown;
};

type Resource = 'jobs' | 'pods' | 'secrets';
type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface StoredEvent {
  rv: number;
  resource: Resource;
  namespace: string;
  type: EventType;
  object: Obj;
}

interface Watcher {
  resource: Resource;
  namespace: string;
  selector: (labels: Record<string, string> | undefined) => boolean;
  res: http.ServerResponse;
}

const KINDS: Record<Resource, { kind: string; apiVersion: string; group: string }> = {
  jobs: { kind: 'Job', apiVersion: 'batch/v1', group: 'batch' },
  pods: { kind: 'Pod', apiVersion: 'v1', group: '' },
  secrets: { kind: 'Secret', apiVersion: 'v1', group: '' },
};

/** Parses a Kubernetes label selector (`a=b,c!=d,e,!f,g in (x,y),h notin (z)`). */
export function parseLabelSelector(selector: string | null): (labels: Record<string, string> | undefined) => boolean {
  if (!selector) return () => true;
  const parts = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  const tests = parts.map((raw) => {
    const part = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part))) {
      const [, key, op, list] = m;
      const values = list.split(',').map((v) => v.trim());
      return (l: Record<string, string>) => (op === 'in' ? key in l && values.includes(l[key]) : !(key in l) || !values.includes(l[key]));
    }
    if ((m = /^([^!=]+)!=(.*)$/.exec(part))) {
      const [, key, value] = m;
      return (l: Record<string, string>) => l[key.trim()] !== value.trim();
    }
    if ((m = /^([^!=]+)==?(.*)$/.exec(part))) {
      const [, key, value] = m;
      return (l: Record<string, string>) => l[key.trim()] === value.trim();
    }
    if (part.startsWith('!')) return (l: Record<string, string>) => !(part.slice(1) in l);
    return (l: Record<string, string>) => part in l;
  });
  return (labels) => tests.every((t) => t(labels ?? {}));
}

function clone<T>(o: T): T {
  return structuredClone(o);
}

export interface FakeKubeApiOptions {
  /** Bearer token every request must carry; none required when unset. */
  token?: string;
  /** Stand in for Kueue: Jobs with a queue-name label start suspended until admit(). Default true. */
  kueue?: boolean;
}

export class FakeKubeApi {
  url = '';
  /** Every request, for assertions: method, path with query, and the parsed body if any. */
  readonly requests: Array<{ method: string; path: string; body?: unknown }> = [];
  private readonly server: http.Server;
  private readonly store = new Map<string, Obj>(); // `${resource}/${ns}/${name}`
  private readonly events: StoredEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private rv = 100;
  private compactedBefore = 0;

  constructor(private readonly options: FakeKubeApiOptions = {}) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => this.send(res, 500, this.status(500, 'InternalError', String(err))));
    });
  }

  static async start(options?: FakeKubeApiOptions): Promise<FakeKubeApi> {
    const api = new FakeKubeApi(options);
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    api.url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    return api;
  }

  async close(): Promise<void> {
    this.dropWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- state, for tests -------------------------------------------------------------------------

  get(resource: Resource, namespace: string, name: string): Obj | undefined {
    const o = this.store.get(`${resource}/${namespace}/${name}`);
    return o && clone(o);
  }

  list(resource: Resource, namespace?: string): Obj[] {
    return [...this.store.values()]
      .filter((o) => this.resourceOf(o) === resource && (!namespace || o.metadata.namespace === namespace))
      .map(clone);
  }

  /** The pods of a Job (by the controller-uid label, as the Job controller finds them). */
  podsOf(namespace: string, jobName: string): Obj[] {
    const job = this.mustGet('jobs', namespace, jobName);
    return this.list('pods', namespace).filter((p) => p.metadata.labels?.['batch.kubernetes.io/controller-uid'] === job.metadata.uid);
  }

  /** Ends every open watch stream, as an API server restart or a load balancer timeout does. */
  dropWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  /** Forgets the event history, so watches from an older resourceVersion get 410 Gone. */
  compact(): void {
    this.compactedBefore = this.rv;
    this.events.length = 0;
  }

  openWatches(resource?: Resource): number {
    return [...this.watchers].filter((w) => !resource || w.resource === resource).length;
  }

  // ---- cluster behaviour hooks --------------------------------------------------------------------

  /** Kueue admits the workload: unsuspend the Job; the Job controller creates its pod. */
  admit(namespace: string, jobName: string): void {
    const job = this.mustGet('jobs', namespace, jobName);
    job.spec.suspend = false;
    job.status = {
      ...job.status,
      startTime: new Date().toISOString(),
      conditions: (job.status?.conditions ?? []).map((c: { type: string }) => (c.type === 'Suspended'
        ? { ...c, status: 'False', reason: 'JobResumed', message: 'Job resumed', lastTransitionTime: new Date().toISOString() } : c)),
    };
    this.update('jobs', job);
    this.createPodFor(job);
  }

  /** The pod is scheduled, its image pulled, the trainer container running. */
  startPod(namespace: string, jobName: string): void {
    const pod = this.currentPod(namespace, jobName);
    const now = new Date().toISOString();
    pod.spec.nodeName = 'gpu-node-1';
    pod.status = {
      ...pod.status,
      phase: 'Running',
      startTime: now,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
        { type: 'Ready', status: 'True', lastTransitionTime: now },
      ],
      containerStatuses: [this.containerStatus(pod, { running: { startedAt: now } }, true)],
    };
    this.update('pods', pod);
    const job = this.mustGet('jobs', namespace, jobName);
    job.status = { ...job.status, active: 1, ready: 1 };
    this.update('jobs', job);
  }

  /** The trainer exits 0: pod Succeeded, Job SuccessCriteriaMet then Complete. */
  succeed(namespace: string, jobName: string): void {
    this.terminatePod(namespace, jobName, 'Succeeded', { exitCode: 0, reason: 'Completed' });
    const now = new Date().toISOString();
    this.finishJob(namespace, jobName, [
      { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
      { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
    ], { succeeded: 1, completionTime: now });
  }

  /** The kernel kills the trainer for exceeding its memory limit; podFailurePolicy rule 1 fails the Job. */
  oomKill(namespace: string, jobName: string): void {
    const pod = this.terminatePod(namespace, jobName, 'Failed', { exitCode: 137, reason: 'OOMKilled' });
    const message = `Container trainer for pod ${namespace}/${pod.metadata.name} failed with exit code 137 matching FailJob rule at index 1`;
    this.finishJob(namespace, jobName, [
      { type: 'FailureTarget', status: 'True', reason: 'PodFailurePolicy', message },
      { type: 'Failed', status: 'True', reason: 'PodFailurePolicy', message },
    ], { failed: 1 });
  }

  /** The trainer exits with a non-zero code (a crash). */
  crash(namespace: string, jobName: string, exitCode = 1, message?: string): void {
    const pod = this.terminatePod(namespace, jobName, 'Failed', { exitCode, reason: 'Error', message });
    const msg = `Container trainer for pod ${namespace}/${pod.metadata.name} failed with exit code ${exitCode} matching FailJob rule at index 1`;
    this.finishJob(namespace, jobName, [
      { type: 'FailureTarget', status: 'True', reason: 'PodFailurePolicy', message: msg },
      { type: 'Failed', status: 'True', reason: 'PodFailurePolicy', message: msg },
    ], { failed: 1 });
  }

  /** The kubelet evicts the pod under node pressure: DisruptionTarget, then Failed/Evicted; rule 0 fails the Job. */
  evict(namespace: string, jobName: string): void {
    const pod = this.currentPod(namespace, jobName);
    const now = new Date().toISOString();
    pod.status = {
      ...pod.status,
      conditions: [
        ...(pod.status?.conditions ?? []).filter((c: { type: string }) => c.type !== 'DisruptionTarget'),
        { type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', message: 'The node was low on resource: memory.', lastTransitionTime: now },
      ],
    };
    this.update('pods', pod);
    pod.status = { ...pod.status, phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' };
    pod.status.containerStatuses = [this.containerStatus(pod, { terminated: { exitCode: 137, reason: 'Error', startedAt: now, finishedAt: now } }, false)];
    this.update('pods', pod);
    const message = `Pod ${namespace}/${pod.metadata.name} has condition DisruptionTarget matching FailJob rule at index 0`;
    this.finishJob(namespace, jobName, [
      { type: 'FailureTarget', status: 'True', reason: 'PodFailurePolicy', message },
      { type: 'Failed', status: 'True', reason: 'PodFailurePolicy', message },
    ], { failed: 1, active: 0 });
  }

  /** Kueue preempts the workload: it suspends the Job again and the Job controller deletes the pod. */
  preemptByKueue(namespace: string, jobName: string): void {
    const job = this.mustGet('jobs', namespace, jobName);
    job.spec.suspend = true;
    const now = new Date().toISOString();
    job.status = {
      ...job.status,
      active: 0,
      conditions: [
        ...(job.status?.conditions ?? []).filter((c: { type: string }) => c.type !== 'Suspended'),
        { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended', lastProbeTime: now, lastTransitionTime: now },
      ],
    };
    this.update('jobs', job);
    for (const pod of this.podsOf(namespace, jobName)) this.remove('pods', pod);
  }

  /** activeDeadlineSeconds passes: the Job controller deletes the pod and fails the Job. */
  exceedDeadline(namespace: string, jobName: string): void {
    const job = this.mustGet('jobs', namespace, jobName);
    for (const pod of this.podsOf(namespace, jobName)) this.remove('pods', pod);
    const message = 'Job was active longer than specified deadline';
    this.finishJob(namespace, job.metadata.name, [
      { type: 'FailureTarget', status: 'True', reason: 'DeadlineExceeded', message },
      { type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message },
    ], { failed: 1, active: 0 });
  }

  // ---- HTTP ---------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const raw = await new Promise<string>((resolve) => {
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (data += c));
      req.on('end', () => resolve(data));
    });
    const body = raw ? JSON.parse(raw) as Obj : undefined;
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, body });

    if (this.options.token && req.headers.authorization !== `Bearer ${this.options.token}`) {
      return this.send(res, 401, this.status(401, 'Unauthorized', 'Unauthorized'));
    }
    const m = /^\/(?:api\/v1|apis\/batch\/v1)\/namespaces\/([^/]+)\/(jobs|pods|secrets)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m || (m[2] === 'jobs') !== url.pathname.startsWith('/apis/batch/v1/')) {
      return this.send(res, 404, this.status(404, 'NotFound', 'the server could not find the requested resource'));
    }
    const namespace = decodeURIComponent(m[1]);
    const resource = m[2] as Resource;
    const name = m[3] && decodeURIComponent(m[3]);

    if (req.method === 'GET' && !name && url.searchParams.get('watch') === 'true') return this.watch(resource, namespace, url, res);
    if (req.method === 'GET' && !name) {
      const selector = parseLabelSelector(url.searchParams.get('labelSelector'));
      const items = this.list(resource, namespace).filter((o) => selector(o.metadata.labels)).map((o) => {
        delete o.kind;
        delete o.apiVersion;
        return o;
      });
      return this.send(res, 200, { kind: `${KINDS[resource].kind}List`, apiVersion: KINDS[resource].apiVersion, metadata: { resourceVersion: String(this.rv) }, items });
    }
    if (req.method === 'GET') {
      const obj = this.get(resource, namespace, name!);
      return obj ? this.send(res, 200, obj) : this.notFound(res, resource, name!);
    }
    if (req.method === 'POST' && !name) return this.create(resource, namespace, body, res);
    if (req.method === 'PUT' && name) {
      const existing = this.store.get(`${resource}/${namespace}/${name}`);
      if (!existing) return this.notFound(res, resource, name);
      if (body?.metadata?.resourceVersion && body.metadata.resourceVersion !== existing.metadata.resourceVersion) {
        return this.send(res, 409, this.status(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`, resource, name));
      }
      if (resource === 'secrets' && existing.immutable && JSON.stringify(body?.data) !== JSON.stringify(existing.data)) {
        return this.send(res, 422, this.status(422, 'Invalid', `Secret "${name}" is invalid: data: Forbidden: field is immutable when \`immutable\` is set`, resource, name));
      }
      const next = { ...clone(body!), metadata: { ...body!.metadata, name, namespace, uid: existing.metadata.uid, creationTimestamp: existing.metadata.creationTimestamp } } as Obj;
      if (resource !== 'secrets') next.status = existing.status;
      this.update(resource, next);
      return this.send(res, 200, this.get(resource, namespace, name)!);
    }
    if (req.method === 'DELETE' && name) {
      const existing = this.store.get(`${resource}/${namespace}/${name}`);
      if (!existing) return this.notFound(res, resource, name);
      const deleteOptions = body as { propagationPolicy?: string } | undefined;
      const policy = url.searchParams.get('propagationPolicy') ?? deleteOptions?.propagationPolicy ?? (resource === 'jobs' ? 'Orphan' : 'Background');
      this.remove(resource, existing);
      if (policy !== 'Orphan') this.collectGarbage(existing.metadata.uid);
      return this.send(res, 200, {
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
        details: { name, group: KINDS[resource].group, kind: resource, uid: existing.metadata.uid },
      });
    }
    return this.send(res, 405, this.status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`));
  }

  private create(resource: Resource, namespace: string, body: Obj | undefined, res: http.ServerResponse): void {
    if (!body?.metadata) return this.send(res, 400, this.status(400, 'BadRequest', 'the object has no metadata'));
    const name = body.metadata.name ?? (body.metadata.generateName ? `${body.metadata.generateName}${randomBytes(3).toString('hex').slice(0, 5)}` : undefined);
    if (!name) return this.send(res, 422, this.status(422, 'Invalid', `${KINDS[resource].kind} "" is invalid: metadata.name: Required value`, resource, ''));
    if (body.metadata.namespace && body.metadata.namespace !== namespace) {
      return this.send(res, 400, this.status(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'));
    }
    if (this.store.has(`${resource}/${namespace}/${name}`)) {
      return this.send(res, 409, this.status(409, 'AlreadyExists', `${resource}${KINDS[resource].group ? `.${KINDS[resource].group}` : ''} "${name}" already exists`, resource, name));
    }
    const obj = clone(body);
    obj.apiVersion = KINDS[resource].apiVersion;
    obj.kind = KINDS[resource].kind;
    obj.metadata = { ...obj.metadata, name, namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString(), resourceVersion: '' };
    if (resource === 'jobs') this.defaultJob(obj);
    this.insert(resource, obj);
    this.send(res, 201, this.get(resource, namespace, name)!);
    if (resource === 'jobs' && !obj.spec.suspend) this.createPodFor(this.mustGet('jobs', namespace, name));
  }

  private defaultJob(job: Obj): void {
    job.metadata.generation = 1;
    const uid = job.metadata.uid;
    const controllerLabels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': job.metadata.name, 'controller-uid': uid, 'job-name': job.metadata.name };
    job.metadata.labels = { ...job.metadata.labels };
    job.spec = { completions: 1, parallelism: 1, completionMode: 'NonIndexed', suspend: false, manualSelector: false, podReplacementPolicy: job.spec?.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed', ...job.spec };
    job.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    job.spec.template.metadata = { ...job.spec.template.metadata, labels: { ...job.spec.template.metadata?.labels, ...controllerLabels } };
    if (this.options.kueue !== false && job.metadata.labels['kueue.x-k8s.io/queue-name']) job.spec.suspend = true;
    job.status = job.spec.suspend
      ? { conditions: [{ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended', lastProbeTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }] }
      : { startTime: new Date().toISOString(), active: 0 };
  }

  private createPodFor(job: Obj): void {
    const template = job.spec.template;
    const pod: Obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${job.metadata.name}-${randomBytes(3).toString('hex').slice(0, 5)}`,
        namespace: job.metadata.namespace,
        uid: randomUUID(),
        resourceVersion: '',
        creationTimestamp: new Date().toISOString(),
        labels: { ...template.metadata?.labels },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid: job.metadata.uid, controller: true, blockOwnerDeletion: true } as never],
        finalizers: ['batch.kubernetes.io/job-tracking'],
      },
      spec: clone(template.spec),
      status: {
        phase: 'Pending',
        qosClass: 'Burstable',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.', lastTransitionTime: new Date().toISOString() }],
      },
    };
    this.insert('pods', pod);
    job.status = { ...job.status, active: 1 };
    this.update('jobs', job);
  }

  private containerStatus(pod: Obj, state: Record<string, unknown>, ready: boolean) {
    const c = pod.spec.containers[0];
    return { name: c.name, image: c.image, imageID: `${c.image}@sha256:${'0'.repeat(64)}`, ready, restartCount: 0, started: ready, state };
  }

  private currentPod(namespace: string, jobName: string): Obj {
    const pods = this.podsOf(namespace, jobName);
    const pod = pods.at(-1);
    if (!pod) throw new Error(`fake-kube-api: Job ${namespace}/${jobName} has no pod (suspended?)`);
    return pod;
  }

  private terminatePod(namespace: string, jobName: string, phase: 'Succeeded' | 'Failed', terminated: { exitCode: number; reason: string; message?: string }): Obj {
    const pod = this.currentPod(namespace, jobName);
    const now = new Date().toISOString();
    pod.status = {
      ...pod.status,
      phase,
      conditions: (pod.status?.conditions ?? []).map((c: { type: string }) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason: 'PodCompleted' } : c)),
      containerStatuses: [this.containerStatus(pod, { terminated: { ...terminated, startedAt: pod.status?.startTime ?? now, finishedAt: now } }, false)],
    };
    this.update('pods', pod);
    return pod;
  }

  private finishJob(namespace: string, jobName: string, conditions: Array<Record<string, string>>, status: Record<string, unknown>): void {
    const job = this.mustGet('jobs', namespace, jobName);
    const now = new Date().toISOString();
    job.status = {
      ...job.status,
      active: 0,
      ready: 0,
      ...status,
      conditions: [...(job.status?.conditions ?? []), ...conditions.map((c) => ({ ...c, lastProbeTime: now, lastTransitionTime: now }))],
    };
    this.update('jobs', job);
  }

  private watch(resource: Resource, namespace: string, url: URL, res: http.ServerResponse): void {
    const selector = parseLabelSelector(url.searchParams.get('labelSelector'));
    const from = url.searchParams.get('resourceVersion');
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    if (from && from !== '0' && Number(from) < this.compactedBefore) {
      res.end(JSON.stringify({ type: 'ERROR', object: this.status(410, 'Expired', `too old resource version: ${from} (${this.compactedBefore})`) }) + '\n');
      return;
    }
    const watcher: Watcher = { resource, namespace, selector, res };
    if (!from || from === '0') {
      // No resourceVersion: synthetic ADDED events for the current state, then changes.
      for (const o of this.list(resource, namespace)) if (selector(o.metadata.labels)) res.write(JSON.stringify({ type: 'ADDED', object: o }) + '\n');
    } else {
      for (const e of this.events) {
        if (e.rv > Number(from) && e.resource === resource && e.namespace === namespace && selector(e.object.metadata.labels)) {
          res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
        }
      }
    }
    this.watchers.add(watcher);
    const timeout = Number(url.searchParams.get('timeoutSeconds'));
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      this.watchers.delete(watcher);
    };
    res.on('close', cleanup);
  }

  // ---- store --------------------------------------------------------------------------------------

  private resourceOf(o: Obj): Resource {
    return o.kind === 'Job' ? 'jobs' : o.kind === 'Pod' ? 'pods' : 'secrets';
  }

  private mustGet(resource: Resource, namespace: string, name: string): Obj {
    const o = this.get(resource, namespace, name);
    if (!o) throw new Error(`fake-kube-api: no ${resource} ${namespace}/${name}`);
    return o;
  }

  private insert(resource: Resource, obj: Obj): void {
    this.commit(resource, 'ADDED', obj);
  }

  private update(resource: Resource, obj: Obj): void {
    this.commit(resource, 'MODIFIED', obj);
  }

  private remove(resource: Resource, obj: Obj): void {
    const stored = this.store.get(`${resource}/${obj.metadata.namespace}/${obj.metadata.name}`);
    if (!stored) return;
    stored.metadata.deletionTimestamp ??= new Date().toISOString();
    this.commit(resource, 'DELETED', stored);
  }

  private commit(resource: Resource, type: EventType, obj: Obj): void {
    const key = `${resource}/${obj.metadata.namespace}/${obj.metadata.name}`;
    const stored = clone(obj);
    stored.apiVersion = KINDS[resource].apiVersion;
    stored.kind = KINDS[resource].kind;
    stored.metadata.resourceVersion = String(++this.rv);
    if (type === 'DELETED') this.store.delete(key);
    else this.store.set(key, stored);
    const event: StoredEvent = { rv: this.rv, resource, namespace: obj.metadata.namespace, type, object: clone(stored) };
    this.events.push(event);
    for (const w of this.watchers) {
      if (w.resource === resource && w.namespace === event.namespace && w.selector(stored.metadata.labels)) {
        w.res.write(JSON.stringify({ type, object: stored }) + '\n');
      }
    }
  }

  private collectGarbage(ownerUid: string): void {
    for (const o of [...this.store.values()]) {
      if (o.metadata.ownerReferences?.some((r) => r.uid === ownerUid)) {
        this.remove(this.resourceOf(o), o);
        this.collectGarbage(o.metadata.uid);
      }
    }
  }

  // ---- responses ----------------------------------------------------------------------------------

  private status(code: number, reason: string, message: string, resource?: string, name?: string) {
    const group = resource ? KINDS[resource as Resource]?.group : undefined;
    return {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code,
      ...(resource ? { details: { name, ...(group ? { group } : {}), kind: resource } } : {}),
    };
  }

  private notFound(res: http.ServerResponse, resource: Resource, name: string): void {
    const group = KINDS[resource].group;
    this.send(res, 404, this.status(404, 'NotFound', `${resource}${group ? `.${group}` : ''} "${name}" not found`, resource, name));
  }

  private send(res: http.ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

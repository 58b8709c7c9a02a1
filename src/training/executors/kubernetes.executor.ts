/**
 * The Kubernetes executor: one `batch/v1` Job per training attempt on the GPU pool, queued through
 * Kueue, with the run token in a per-attempt Secret owned by the Job.
 *
 * It watches every Tuneforge Job and pod in its namespace (label `app.kubernetes.io/managed-by=
 * tuneforge`), not only the ones it launched: API replicas are interchangeable, so each replica
 * reports what it sees and the run service ignores repeats and superseded attempts. Events are
 * reported once per change of kind for an attempt, and nothing after a terminal kind.
 *
 * Calls it makes (the RBAC Role in k8s/ grants exactly these, in the configured namespace):
 * secrets create/update/delete, jobs create/delete/list/watch, pods list/watch.
 */
import type { BatchV1Api, CoreV1Api, KubeConfig, V1Job, V1Pod, V1Secret, V1Toleration } from '@kubernetes/client-node';
import type { AttemptLaunch, Executor, WorkerEvent, WorkerEventKind } from '../executor';
import { loadKubernetesClient } from './kubernetes-client';
import { buildRunTokenSecret, buildTrainerJob, trainerJobName, type TrainerJobSettings } from './kubernetes-job';
import { ATTEMPT_LABEL, MANAGED_BY, MANAGED_BY_LABEL, RUN_LABEL, readTrainerJobTemplate, TRAINER_JOB_TEMPLATE } from './kubernetes-job-template';
import { describeAttempt, TERMINAL_KINDS } from './kubernetes-status';

/** How the executor reaches the Kubernetes API. */
export type KubernetesConnection =
  /** The API runs in the cluster: service account token and CA from the pod's filesystem. */
  | { inCluster: true }
  /** An explicit API server URL (and bearer token), e.g. a test server or a remote cluster. */
  | { server: string; token?: string; caData?: string; skipTLSVerify?: boolean }
  /** A kubeconfig file (its current context). */
  | { kubeconfigPath: string };

export interface KubernetesExecutorOptions {
  connection: KubernetesConnection;
  /** The namespace training Jobs, pods and Secrets live in. */
  namespace: string;
  /** The trainer image; defaults to the template's. */
  image?: string;
  imagePullPolicy?: string;
  /** Overrides the template's command (`node dist/src/main.js trainer`). */
  command?: string[];
  /** GPU pool node labels (replace the template's nodeSelector). */
  gpuNodeSelector?: Record<string, string>;
  /** GPU pool taints to tolerate (replace the template's tolerations). */
  gpuTolerations?: V1Toleration[];
  /** How long Kubernetes keeps a finished Job (and, through ownership, its Secret). */
  ttlSecondsAfterFinished?: number;
  serviceAccountName?: string;
  /** A patched copy of k8s/base/trainer-job-template.yaml; the built-in template otherwise. */
  templateFile?: string;
  /** First delay before re-opening a watch after an error; doubles up to 30 s. Default 500 ms. */
  watchRetryDelayMs?: number;
  /** Asks the server to end each watch after this long (it is then resumed). Default 300 s. */
  watchTimeoutSeconds?: number;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

interface Clients {
  kc: KubeConfig;
  batch: BatchV1Api;
  core: CoreV1Api;
  watch: InstanceType<Awaited<ReturnType<typeof loadKubernetesClient>>['Watch']>;
}

interface AttemptRecord {
  runId: string;
  attempt: number;
  last?: WorkerEventKind;
  stopped: boolean;
  /** The pods were read once after the Job failed (see apply). */
  refreshedPods?: boolean;
}

type Resource = 'jobs' | 'pods';

function statusCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown } | undefined;
  return typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
}

function attemptKey(runId: string, attempt: number): string {
  return `${runId}#${attempt}`;
}

export class KubernetesExecutor implements Executor {
  readonly name = 'kubernetes' as const;
  private readonly template: V1Job;
  private readonly settings: TrainerJobSettings;
  private clients?: Promise<Clients>;
  private listener: (event: WorkerEvent) => void = () => {};
  private readonly attempts = new Map<string, AttemptRecord>();
  private readonly jobs = new Map<string, V1Job>();
  private readonly pods = new Map<string, V1Pod>();
  private readonly aborts = new Set<AbortController>();
  private started?: Promise<void>;
  private closed = false;
  private initialSync = false;
  private readonly log: NonNullable<KubernetesExecutorOptions['log']>;

  constructor(private readonly options: KubernetesExecutorOptions) {
    this.template = options.templateFile ? readTrainerJobTemplate(options.templateFile) : TRAINER_JOB_TEMPLATE;
    this.settings = {
      namespace: options.namespace,
      image: options.image,
      imagePullPolicy: options.imagePullPolicy,
      command: options.command,
      nodeSelector: options.gpuNodeSelector,
      tolerations: options.gpuTolerations,
      ttlSecondsAfterFinished: options.ttlSecondsAfterFinished,
      serviceAccountName: options.serviceAccountName,
    };
    this.log = options.log ?? (() => {});
  }

  /** The Job this executor would create for an attempt (also what tests and validation read). */
  buildJob(spec: AttemptLaunch): V1Job {
    return buildTrainerJob(this.template, spec, this.settings);
  }

  onEvent(listener: (event: WorkerEvent) => void): void {
    this.listener = listener;
    void this.start().catch((err) => this.log('kubernetes watch failed to start', { error: String(err) }));
  }

  /**
   * Lists current Jobs and pods and starts watching them; resolves after the first lists.
   * Idempotent; `onEvent` calls it.
   */
  start(): Promise<void> {
    this.started ??= (async () => {
      // Both lists first, then one judgement per attempt: a Job listed before its pod would
      // otherwise read as "waiting for its pod" for a moment.
      this.initialSync = true;
      const [jobsVersion, podsVersion] = await Promise.all([this.relist('jobs'), this.relist('pods')]);
      this.initialSync = false;
      for (const job of this.jobs.values()) this.apply('jobs', 'MODIFIED', job);
      void this.watchLoop('jobs', jobsVersion);
      void this.watchLoop('pods', podsVersion);
    })();
    return this.started;
  }

  /**
   * Creates the attempt's Secret, then its Job, then makes the Job own the Secret so Kubernetes
   * deletes both together (also when the Job's TTL runs out). Launching the same attempt twice is
   * harmless: the second launch finds both objects and leaves them.
   */
  async launch(spec: AttemptLaunch): Promise<void> {
    const { batch, core } = await this.connect();
    const namespace = this.options.namespace;
    const job = this.buildJob(spec);
    const name = job.metadata!.name!;
    const record = this.record(spec.runId, spec.attempt);
    record.stopped = false;

    let secret: V1Secret;
    try {
      secret = await core.createNamespacedSecret({ namespace, body: buildRunTokenSecret(spec, this.settings) });
    } catch (err) {
      if (statusCode(err) !== 409) throw this.apiError(`creating Secret ${namespace}/${name}`, err);
      secret = await core.readNamespacedSecret({ name, namespace });
    }

    let created: V1Job;
    try {
      created = await batch.createNamespacedJob({ namespace, body: job });
    } catch (err) {
      if (statusCode(err) === 409) {
        this.log('kubernetes job already exists', { job: name });
        return;
      }
      await core.deleteNamespacedSecret({ name, namespace }).catch(() => undefined);
      throw this.apiError(`creating Job ${namespace}/${name}`, err);
    }

    secret.metadata!.ownerReferences = [
      { apiVersion: 'batch/v1', kind: 'Job', name, uid: created.metadata!.uid!, controller: false, blockOwnerDeletion: false },
    ];
    try {
      await core.replaceNamespacedSecret({ name, namespace, body: secret });
    } catch (err) {
      // The Job runs fine without it; stop() still deletes the Secret explicitly.
      this.log('kubernetes secret owner reference not set', { job: name, error: String(err) });
    }
    this.log('kubernetes job created', { job: name, namespace, queue: spec.queueName });
  }

  /** Deletes the attempt's Job (its pod goes with it) and Secret. Missing objects are fine. */
  async stop(runId: string, attempt: number): Promise<void> {
    const { batch, core } = await this.connect();
    const namespace = this.options.namespace;
    const name = trainerJobName(runId, attempt);
    this.record(runId, attempt).stopped = true;
    const ignoreMissing = (what: string) => (err: unknown) => {
      if (statusCode(err) !== 404) throw this.apiError(`deleting ${what} ${namespace}/${name}`, err);
    };
    await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' }).catch(ignoreMissing('Job'));
    await core.deleteNamespacedSecret({ name, namespace }).catch(ignoreMissing('Secret'));
  }

  active(): number {
    let n = 0;
    for (const r of this.attempts.values()) if (!r.stopped && !(r.last && TERMINAL_KINDS.has(r.last))) n++;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const a of this.aborts) a.abort();
    this.aborts.clear();
  }

  private connect(): Promise<Clients> {
    this.clients ??= (async () => {
      const k8s = await loadKubernetesClient();
      const kc = new k8s.KubeConfig();
      const c = this.options.connection;
      if ('inCluster' in c) kc.loadFromCluster();
      else if ('kubeconfigPath' in c) kc.loadFromFile(c.kubeconfigPath);
      else {
        // client-node refuses plain http unless TLS verification is off; over http there is none to do.
        const plainHttp = new URL(c.server).protocol === 'http:';
        kc.loadFromOptions({
          clusters: [{ name: 'tuneforge', server: c.server, caData: c.caData, skipTLSVerify: c.skipTLSVerify ?? plainHttp }],
          users: [{ name: 'tuneforge', token: c.token }],
          contexts: [{ name: 'tuneforge', cluster: 'tuneforge', user: 'tuneforge', namespace: this.options.namespace }],
          currentContext: 'tuneforge',
        });
      }
      return { kc, batch: kc.makeApiClient(k8s.BatchV1Api), core: kc.makeApiClient(k8s.CoreV1Api), watch: new k8s.Watch(kc) };
    })();
    return this.clients;
  }

  private apiError(action: string, err: unknown): Error {
    const body = (err as { body?: unknown }).body;
    const message = typeof body === 'object' && body && 'message' in body ? String((body as { message: unknown }).message) : String(body ?? (err as Error).message);
    return new Error(`Kubernetes API: ${action} failed (${statusCode(err) ?? 'no status'}): ${message}`);
  }

  private record(runId: string, attempt: number): AttemptRecord {
    const key = attemptKey(runId, attempt);
    let r = this.attempts.get(key);
    if (!r) {
      r = { runId, attempt, stopped: false };
      this.attempts.set(key, r);
    }
    return r;
  }

  private path(resource: Resource): string {
    const ns = encodeURIComponent(this.options.namespace);
    return resource === 'jobs' ? `/apis/batch/v1/namespaces/${ns}/jobs` : `/api/v1/namespaces/${ns}/pods`;
  }

  private async relist(resource: Resource): Promise<string> {
    const { batch, core } = await this.connect();
    const namespace = this.options.namespace;
    const labelSelector = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
    const list = resource === 'jobs'
      ? await batch.listNamespacedJob({ namespace, labelSelector })
      : await core.listNamespacedPod({ namespace, labelSelector });
    const cache = (resource === 'jobs' ? this.jobs : this.pods) as Map<string, V1Job | V1Pod>;
    const seen = new Set<string>();
    for (const item of list.items) {
      seen.add(item.metadata!.name!);
      this.apply(resource, 'MODIFIED', item);
    }
    for (const [name, obj] of cache) if (!seen.has(name)) this.apply(resource, 'DELETED', obj);
    return list.metadata?.resourceVersion ?? '';
  }

  /** Watches from the list's resourceVersion, forever: resumes after a closed stream, relists after 410 Gone. */
  private async watchLoop(resource: Resource, initialVersion: string): Promise<void> {
    let resourceVersion: string | undefined = initialVersion;
    let delay = this.options.watchRetryDelayMs ?? 500;
    while (!this.closed) {
      try {
        if (resourceVersion === undefined) resourceVersion = await this.relist(resource);
        const { watch } = await this.connect();
        const outcome = await new Promise<{ gone: boolean; error?: unknown; events: number }>((resolve) => {
          let gone = false;
          let events = 0;
          let controller: AbortController | undefined;
          watch.watch(
            this.path(resource),
            {
              labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`,
              resourceVersion,
              allowWatchBookmarks: true,
              timeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
            },
            (type: string, obj: V1Job & V1Pod & { code?: number }) => {
              events++;
              if (type === 'ERROR') {
                if (obj?.code === 410) gone = true;
                return;
              }
              if (obj?.metadata?.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
              if (type !== 'BOOKMARK') this.apply(resource, type, obj);
            },
            (err: unknown) => {
              if (controller) this.aborts.delete(controller);
              resolve({ gone: gone || statusCode(err) === 410, error: err ?? undefined, events });
            },
          ).then((c) => {
            controller = c;
            if (this.closed) c.abort();
            else this.aborts.add(c);
          }, (err: unknown) => resolve({ gone: false, error: err, events }));
        });
        if (this.closed) return;
        if (outcome.gone) {
          this.log('kubernetes watch expired; relisting', { resource });
          resourceVersion = undefined;
          continue;
        }
        if (outcome.error) {
          this.log('kubernetes watch ended with an error; resuming', { resource, error: String(outcome.error) });
          await new Promise((r) => setTimeout(r, delay).unref());
          delay = Math.min(delay * 2, 30000);
        } else {
          delay = this.options.watchRetryDelayMs ?? 500;
        }
      } catch (err) {
        this.log('kubernetes relist failed; retrying', { resource, error: String(err) });
        resourceVersion = undefined;
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, 30000);
      }
    }
  }

  private apply(resource: Resource, type: string, obj: V1Job | V1Pod): void {
    const name = obj.metadata?.name;
    const runId = obj.metadata?.labels?.[RUN_LABEL];
    const attempt = Number(obj.metadata?.labels?.[ATTEMPT_LABEL]);
    if (!name || !runId || !Number.isInteger(attempt)) return;
    const cache = (resource === 'jobs' ? this.jobs : this.pods) as Map<string, V1Job | V1Pod>;
    if (type === 'DELETED') cache.delete(name);
    else cache.set(name, obj);

    if (this.initialSync) return;
    const record = this.record(runId, attempt);
    if (resource === 'jobs' && type === 'DELETED') {
      if (!record.stopped && !(record.last && TERMINAL_KINDS.has(record.last))) {
        this.emit(record, { kind: 'LOST', reason: 'the Kubernetes Job was deleted outside Tuneforge; the run will resume on another attempt' });
      }
      return;
    }
    if (record.stopped) return;
    const job = this.jobs.get(trainerJobName(runId, attempt));
    const failed = job?.status?.conditions?.some((c) => (c.type === 'Failed' || c.type === 'FailureTarget') && c.status === 'True');
    if (resource === 'jobs' && failed && !record.refreshedPods) {
      // The pod says why (OOMKilled, evicted…) and its watch may lag the Job's: read it first.
      record.refreshedPods = true;
      void this.refreshPods(record).finally(() => this.evaluate(record));
      return;
    }
    this.evaluate(record);
  }

  private async refreshPods(record: AttemptRecord): Promise<void> {
    try {
      const { core } = await this.connect();
      const list = await core.listNamespacedPod({
        namespace: this.options.namespace,
        labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY},${RUN_LABEL}=${record.runId},${ATTEMPT_LABEL}=${record.attempt}`,
      });
      // A list without resourceVersion is a consistent read: at least as new as the watch's copy.
      for (const pod of list.items) this.pods.set(pod.metadata!.name!, pod);
    } catch (err) {
      this.log('kubernetes pod read failed; judging from the Job alone', { runId: record.runId, error: String(err) });
    }
  }

  private evaluate(record: AttemptRecord): void {
    if (record.stopped) return;
    const { runId, attempt } = record;
    const pods = [...this.pods.values()].filter(
      (p) => p.metadata?.labels?.[RUN_LABEL] === runId && p.metadata?.labels?.[ATTEMPT_LABEL] === String(attempt),
    );
    const state = describeAttempt(this.jobs.get(trainerJobName(runId, attempt)), pods, record.last);
    if (state) this.emit(record, state);
  }

  private emit(record: AttemptRecord, state: { kind: WorkerEventKind; reason?: string }): void {
    if (record.last === state.kind || (record.last && TERMINAL_KINDS.has(record.last))) return;
    record.last = state.kind;
    const event: WorkerEvent = { runId: record.runId, attempt: record.attempt, kind: state.kind };
    if (state.reason) event.reason = state.reason;
    try {
      this.listener(event);
    } catch (err) {
      this.log('kubernetes executor listener threw', { error: String(err) });
    }
  }
}

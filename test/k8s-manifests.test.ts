import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import type { V1Container, V1Job, V1PodSpec } from '@kubernetes/client-node';
import { CONFIG_VARIABLES } from '../src/config';
import { K8S_DIR } from '../src/deploy/cli';
import { type K8sObject, renderKustomization } from '../src/deploy/kustomize';
import { TRAINER_TEMPLATE_FILES, writeTrainerTemplates } from '../src/deploy/trainer-templates';
import { buildRunTokenSecret } from '../src/training/executors/kubernetes-job';
import { GPU_RESOURCE, KUEUE_QUEUE_LABEL, readTrainerJobTemplate } from '../src/training/executors/kubernetes-job-template';
import { KubernetesExecutor } from '../src/training/executors/kubernetes.executor';
import type { AttemptLaunch } from '../src/training/executor';
import { FakeKubeApi } from './fake-kube-api';
import { startTestApi } from './helpers';

/**
 * The deployment in k8s/: both overlays render, every object validates strictly against the
 * Kubernetes 1.36 and Kueue v1beta2 schemas, and the invariants the design relies on hold.
 */
const ROOT = path.resolve(__dirname, '..');
const VALIDATOR = path.join(ROOT, 'dist/src/deploy/manifest-validator.js');
const OVERLAYS = ['dev', 'prod'] as const;
const rendered = Object.fromEntries(OVERLAYS.map((o) => [o, renderKustomization(path.join(K8S_DIR, 'overlays', o))])) as Record<typeof OVERLAYS[number], K8sObject[]>;

/** The strict validator runs in plain Node (kubernetes-models is ESM-only): objects in, problems out. */
function validate(objects: unknown[]): string[] {
  const out = execFileSync(process.execPath, [VALIDATOR], { cwd: ROOT, input: JSON.stringify(objects), maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out.toString()) as string[];
}

function find(objects: K8sObject[], kind: string, name: string, namespace?: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  if (!o) throw new Error(`no ${kind} ${namespace ?? ''}/${name}`);
  return o;
}

function generated(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && new RegExp(`^${name}-[a-z0-9]{10}$`).test(x.metadata.name));
  if (!o) throw new Error(`no generated ${kind} ${name}`);
  return o;
}

function podSpecOf(o: K8sObject): V1PodSpec | undefined {
  const spec = o.spec as { template?: { spec?: V1PodSpec } } | undefined;
  return spec?.template?.spec;
}

function apiConfig(objects: K8sObject[]): Record<string, string> {
  return find(objects, 'ConfigMap', 'tuneforge-api-config', 'tuneforge').data as Record<string, string>;
}

/** The overlay's trainer Job template, written out as the API pod would see it mounted. */
function templateFileOf(objects: K8sObject[]): string {
  const cm = generated(objects, 'ConfigMap', 'tuneforge-trainer-job-template');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tf-k8s-')), 'trainer-job-template.yaml');
  fs.writeFileSync(file, (cm.data as Record<string, string>)['trainer-job-template.yaml']);
  return file;
}

function templateOf(objects: K8sObject[]): V1Job {
  return readTrainerJobTemplate(templateFileOf(objects));
}

const launch: AttemptLaunch = {
  tenantId: '7d0c8a52-3f7b-4c1e-9a57-0b8c5f2f9e11',
  runId: '0b6f1f3e-2a7c-4f54-8d1b-1c2d3e4f5a6b',
  attempt: 1,
  gpus: 1,
  apiUrl: 'http://tuneforge-api.tuneforge.svc.cluster.local:4000',
  runToken: 'tfrun_token',
  activeDeadlineSeconds: 3600,
  queueName: 'tuneforge-training',
};

/** The Job (and Secret) the executor would create with an overlay's configuration and template. */
function executorObjects(objects: K8sObject[]): K8sObject[] {
  const config = apiConfig(objects);
  const executor = new KubernetesExecutor({
    connection: { inCluster: true }, namespace: config.K8S_NAMESPACE, image: config.K8S_TRAINER_IMAGE, templateFile: templateFileOf(objects),
  });
  const spec = { ...launch, gpus: Number(config.RUN_MAX_GPUS) > 0 ? 1 : 0, queueName: config.K8S_QUEUE_NAME ?? 'tuneforge-training' };
  return [executor.buildJob(spec) as unknown as K8sObject, buildRunTokenSecret(spec, { namespace: config.K8S_NAMESPACE }) as unknown as K8sObject];
}

describe('k8s/ renders and validates', () => {
  it.each(OVERLAYS)('overlays/%s: every object validates against the Kubernetes 1.36 and Kueue v1beta2 schemas', (overlay) => {
    expect(rendered[overlay].length).toBeGreaterThan(15);
    expect(validate(rendered[overlay])).toEqual([]);
  });

  it('the Job and Secret the executor creates from each overlay\'s template validate too, as does the Secret template', () => {
    const secretTemplate = parseYaml(fs.readFileSync(path.join(K8S_DIR, 'base/secret.template.yaml'), 'utf8'));
    expect(validate([...executorObjects(rendered.dev), ...executorObjects(rendered.prod), secretTemplate])).toEqual([]);
  });

  it('a typo in a field name fails validation, in a built-in kind and in a Kueue kind (test/fixtures/k8s-broken)', () => {
    const broken = renderKustomization(path.join(ROOT, 'test/fixtures/k8s-broken'));
    expect(validate(broken).sort()).toEqual([
      'ClusterQueue tuneforge: spec.resourceGroups[0].flavors[0].resources[2].nominalQuota: must match pattern "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$"',
      'ClusterQueue tuneforge: spec.queuingStrategy: unknown field "queuingStrategy"',
      'Deployment tuneforge/tuneforge-api: spec.template.spec.containers[0].readinesProbe: unknown field "readinesProbe"',
      'Job tuneforge/tuneforge-migrate: spec.backoffLimit must be integer',
      'LocalQueue tuneforge-training/tuneforge-training: metadata.lables: unknown field "lables"',
    ].sort());
  });

  it('an object of a kind without a schema is an error, not a pass', () => {
    expect(validate([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }, { apiVersion: 'v1', kind: 'Pod' }]))
      .toEqual(['Widget w: no Kubernetes 1.36 schema for example.com/v1 Widget']);
  });

  it('the trainer Job templates in k8s/ are generated from the executor\'s (npm run k8s:templates), and each overlay mounts its own', () => {
    expect(writeTrainerTemplates(K8S_DIR, { check: true })).toEqual([]);
    const data = (objects: K8sObject[]) => (generated(objects, 'ConfigMap', 'tuneforge-trainer-job-template').data as Record<string, string>)['trainer-job-template.yaml'];
    expect(data(rendered.prod)).toBe(TRAINER_TEMPLATE_FILES['base/trainer-job-template.yaml']());
    expect(data(rendered.dev)).toBe(TRAINER_TEMPLATE_FILES['overlays/dev/trainer-job-template.yaml']());
    for (const overlay of OVERLAYS) {
      const api = find(rendered[overlay], 'Deployment', 'tuneforge-api');
      const container = podSpecOf(api)!.containers[0];
      const mount = container.volumeMounts!.find((m) => m.name === 'trainer-job-template')!;
      const env = container.env!.find((e) => e.name === 'K8S_JOB_TEMPLATE')!.value!;
      expect(env).toBe(`${mount.mountPath}/trainer-job-template.yaml`);
      expect(podSpecOf(api)!.volumes!.find((v) => v.name === 'trainer-job-template')!.configMap!.name)
        .toBe(generated(rendered[overlay], 'ConfigMap', 'tuneforge-trainer-job-template').metadata.name);
    }
  });

  it('matches `kubectl kustomize` object for object, where kubectl is installed', () => {
    const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    if (kubectl.status !== 0) {
      console.warn('kubectl is not installed: skipping the comparison with kubectl kustomize');
      return;
    }
    const canon = (v: unknown): unknown => (Array.isArray(v) ? v.map(canon) : v && typeof v === 'object'
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v);
    for (const dir of ['base', 'overlays/dev', 'overlays/prod', '../test/fixtures/k8s-broken']) {
      const out = execFileSync('kubectl', ['kustomize', path.join(K8S_DIR, dir)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const theirs = parseAllDocuments(out).map((d) => canon(d.toJS()));
      const ours = renderKustomization(path.join(K8S_DIR, dir)).map(canon);
      expect({ dir, objects: ours }).toEqual({ dir, objects: theirs });
    }
  });
});

describe('k8s/ invariants', () => {
  it.each(OVERLAYS)('overlays/%s: RBAC lets the API touch only the training namespace, and nothing cluster-wide', (overlay) => {
    const objects = rendered[overlay];
    expect(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toEqual([]);
    const roles = objects.filter((o) => o.kind === 'Role');
    expect(roles.map((r) => `${r.metadata.namespace}/${r.metadata.name}`)).toEqual(['tuneforge-training/tuneforge-executor']);
    const bindings = objects.filter((o) => o.kind === 'RoleBinding');
    expect(bindings.map((b) => ({ ns: b.metadata.namespace, roleRef: b.roleRef, subjects: b.subjects }))).toEqual([{
      ns: 'tuneforge-training',
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tuneforge-executor' },
      subjects: [{ kind: 'ServiceAccount', name: 'tuneforge-api', namespace: 'tuneforge' }],
    }]);
    expect(apiConfig(objects).K8S_NAMESPACE).toBe('tuneforge-training');
    expect(podSpecOf(find(objects, 'Deployment', 'tuneforge-api'))!.serviceAccountName).toBe('tuneforge-api');
  });

  it('the Role grants exactly the calls the Kubernetes executor makes (recorded against a fake API server)', async () => {
    const kube = await FakeKubeApi.start({ token: 't' });
    try {
      const executor = new KubernetesExecutor({ connection: { server: kube.url, token: 't' }, namespace: 'tuneforge-training', watchRetryDelayMs: 20 });
      executor.onEvent(() => {});
      await executor.start();
      await executor.launch(launch);
      await executor.launch(launch); // again: AlreadyExists paths (reads the Secret back)
      kube.admit('tuneforge-training', executor.buildJob(launch).metadata!.name!);
      await executor.stop(launch.runId, launch.attempt);
      await executor.close();
    } finally {
      await kube.close();
    }
    const calls = new Set<string>();
    for (const r of kube.requests) {
      const url = new URL(r.path, 'http://x');
      const m = /^\/(?:api\/v1|apis\/([^/]+)\/v1)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
      if (!m) throw new Error(`unexpected request ${r.method} ${r.path}`);
      expect(m[2]).toBe('tuneforge-training');
      const verb = r.method === 'GET' ? (url.searchParams.get('watch') === 'true' ? 'watch' : m[4] ? 'get' : 'list')
        : ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: m[4] ? 'delete' : 'deletecollection' } as Record<string, string>)[r.method];
      calls.add(`${m[1] ?? ''}/${m[3]}/${verb}`);
    }
    const role = find(rendered.prod, 'Role', 'tuneforge-executor');
    const granted = new Set<string>();
    for (const rule of role.rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>) {
      for (const g of rule.apiGroups) for (const res of rule.resources) for (const v of rule.verbs) granted.add(`${g}/${res}/${v}`);
    }
    expect([...granted].sort()).toEqual([...calls].sort());
  });

  it('the API Deployment\'s probes point at routes the real server answers 200 on, on the port it listens on', async () => {
    const api = find(rendered.prod, 'Deployment', 'tuneforge-api');
    const container = podSpecOf(api)!.containers[0];
    const port = container.ports!.find((p) => p.name === 'http')!.containerPort;
    expect(String(port)).toBe(apiConfig(rendered.prod).PORT);
    const probes = [container.startupProbe, container.livenessProbe, container.readinessProbe];
    expect(probes.map((p) => [p?.httpGet?.path, p?.httpGet?.port])).toEqual([['/healthz', 'http'], ['/healthz', 'http'], ['/readyz', 'http']]);
    const t = await startTestApi();
    try {
      for (const p of probes) expect({ path: p!.httpGet!.path, status: (await fetch(`${t.base}${p!.httpGet!.path}`)).status }).toEqual({ path: p!.httpGet!.path, status: 200 });
    } finally {
      await t.stop();
    }
    // The service and both Ingresses send traffic to that port.
    const service = find(rendered.prod, 'Service', 'tuneforge-api');
    expect((service.spec as { ports: Array<{ targetPort: string }> }).ports[0].targetPort).toBe('http');
  });

  it('the API stops gracefully within its termination grace period', () => {
    const spec = podSpecOf(find(rendered.prod, 'Deployment', 'tuneforge-api'))!;
    const preStop = spec.containers[0].lifecycle?.preStop?.sleep?.seconds ?? 0;
    // src/main.ts force-exits 30 s after SIGTERM; preStop runs before SIGTERM is sent.
    expect(spec.terminationGracePeriodSeconds!).toBeGreaterThan(preStop + 30);
    expect(preStop).toBeGreaterThan(0);
    const strategy = (find(rendered.prod, 'Deployment', 'tuneforge-api').spec as { strategy: { rollingUpdate: { maxUnavailable: number } } }).strategy;
    expect(strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it.each(OVERLAYS)('overlays/%s: every pod runs as non-root with no privilege escalation, no capabilities, RuntimeDefault seccomp, requests and a memory limit', (overlay) => {
    const pods: Array<[string, V1PodSpec]> = rendered[overlay].filter((o) => podSpecOf(o)).map((o) => [`${o.kind} ${o.metadata.name}`, podSpecOf(o)!]);
    pods.push(['trainer template', templateOf(rendered[overlay]).spec!.template.spec!]);
    expect(pods.length).toBeGreaterThanOrEqual(3);
    for (const [name, pod] of pods) {
      expect({ name, runAsNonRoot: pod.securityContext?.runAsNonRoot, seccomp: pod.securityContext?.seccompProfile?.type })
        .toEqual({ name, runAsNonRoot: true, seccomp: 'RuntimeDefault' });
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])] as V1Container[]) {
        expect({ name, container: c.name, escalation: c.securityContext?.allowPrivilegeEscalation, drop: c.securityContext?.capabilities?.drop, requests: !!c.resources?.requests, memoryLimit: !!c.resources?.limits?.memory })
          .toEqual({ name, container: c.name, escalation: false, drop: ['ALL'], requests: true, memoryLimit: true });
        // Tuneforge's own containers also get a read-only root filesystem (the dev Postgres needs a writable one).
        if (c.image?.includes('tuneforge') || name === 'trainer template') expect({ name, readOnly: c.securityContext?.readOnlyRootFilesystem }).toEqual({ name, readOnly: true });
      }
    }
  });

  it.each(OVERLAYS)('overlays/%s: both namespaces deny by default; trainers reach only DNS and the API; the API admits trainers', (overlay) => {
    const policies = rendered[overlay].filter((o) => o.kind === 'NetworkPolicy');
    for (const ns of ['tuneforge', 'tuneforge-training']) {
      expect(policies.some((p) => p.metadata.namespace === ns && JSON.stringify(p.spec) === JSON.stringify({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] }))).toBe(true);
    }
    const trainer = find(policies, 'NetworkPolicy', 'tuneforge-trainer', 'tuneforge-training').spec as {
      podSelector: { matchLabels: Record<string, string> }; ingress?: unknown[]; egress: Array<{ to: Array<Record<string, { matchLabels: Record<string, string> }>>; ports: Array<{ port: number | string }> }>;
    };
    const template = templateOf(rendered[overlay]);
    expect(template.spec!.template.metadata!.labels).toMatchObject(trainer.podSelector.matchLabels);
    expect(trainer.ingress).toBeUndefined();
    expect(trainer.egress.map((e) => ({ to: e.to, ports: e.ports.map((p) => p.port) }))).toEqual([
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [53, 53] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tuneforge' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tuneforge-api' } } }], ports: [4000] },
    ]);
    // Only the training namespace's trainer policy selects trainer pods.
    expect(policies.filter((p) => p.metadata.namespace === 'tuneforge-training').map((p) => p.metadata.name).sort()).toEqual(['default-deny', 'tuneforge-trainer']);
    const api = find(policies, 'NetworkPolicy', 'tuneforge-api', 'tuneforge').spec as { ingress: Array<{ from: unknown[] }> };
    expect(api.ingress.some((r) => JSON.stringify(r.from) === JSON.stringify([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tuneforge-training' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tuneforge-trainer' } },
    }]))).toBe(true);
    expect(apiConfig(rendered[overlay]).INTERNAL_API_URL).toBe('http://tuneforge-api.tuneforge.svc.cluster.local:4000');
  });

  it.each(OVERLAYS)('overlays/%s: the trainer Job\'s Kueue queue is a LocalQueue whose ClusterQueue admits the training namespace and covers what the Job requests', (overlay) => {
    const objects = rendered[overlay];
    const [job] = executorObjects(objects) as unknown as [V1Job];
    const queue = job.metadata!.labels![KUEUE_QUEUE_LABEL];
    const localQueue = find(objects, 'LocalQueue', queue, job.metadata!.namespace);
    const clusterQueue = find(objects, 'ClusterQueue', (localQueue.spec as { clusterQueue: string }).clusterQueue);
    const cq = clusterQueue.spec as { namespaceSelector: { matchLabels: Record<string, string> }; resourceGroups: Array<{ coveredResources: string[]; flavors: Array<{ name: string; resources: Array<{ name: string }> }> }> };
    // Kubernetes labels every namespace with its name.
    const ns = find(objects, 'Namespace', job.metadata!.namespace!);
    expect({ ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name }).toMatchObject(cq.namespaceSelector.matchLabels);
    const covered = cq.resourceGroups.flatMap((g) => g.coveredResources);
    const requested = Object.keys({ ...job.spec!.template.spec!.containers[0].resources!.requests, ...job.spec!.template.spec!.containers[0].resources!.limits });
    for (const r of requested) expect(covered).toContain(r);
    for (const g of cq.resourceGroups) {
      for (const f of g.flavors) {
        const flavor = find(objects, 'ResourceFlavor', f.name).spec as { nodeLabels?: Record<string, string>; nodeTaints?: Array<{ key: string; effect: string }> } | undefined;
        // The flavor's nodes are the ones the template selects, and the template tolerates their taints.
        const pod = job.spec!.template.spec!;
        expect(pod.nodeSelector ?? {}).toMatchObject(flavor?.nodeLabels ?? {});
        for (const taint of flavor?.nodeTaints ?? []) expect(pod.tolerations?.some((t) => t.key === taint.key && t.effect === taint.effect)).toBe(true);
        expect(f.resources.map((r) => r.name)).toEqual(g.coveredResources);
      }
    }
    expect(covered.includes(GPU_RESOURCE)).toBe(overlay === 'prod');
  });

  it.each(OVERLAYS)('overlays/%s: every configured variable is one the API reads', (overlay) => {
    const objects = rendered[overlay];
    const names = [
      ...Object.keys(apiConfig(objects)),
      ...podSpecOf(find(objects, 'Deployment', 'tuneforge-api'))!.containers[0].env!.map((e) => e.name),
      ...Object.keys(parseYaml(fs.readFileSync(path.join(K8S_DIR, 'base/secret.template.yaml'), 'utf8')).stringData),
    ];
    const generatedSecret = objects.find((o) => o.kind === 'Secret' && o.metadata.name.startsWith('tuneforge-api-'));
    if (generatedSecret) names.push(...Object.keys(generatedSecret.data as object));
    expect(names.filter((n) => !CONFIG_VARIABLES.includes(n))).toEqual([]);
    expect(apiConfig(objects)).toMatchObject({ NODE_ENV: 'production', MIGRATE_ON_START: 'false', RUN_EXECUTOR: 'kubernetes' });
  });

  it('prod: the trainer image is the same release as the API image', () => {
    const image = podSpecOf(find(rendered.prod, 'Deployment', 'tuneforge-api'))!.containers[0].image!;
    const trainer = apiConfig(rendered.prod).K8S_TRAINER_IMAGE;
    expect(trainer.split(':').pop()).toBe(image.split(':').pop());
    expect(image).toMatch(/^[^:]+:\d+\.\d+\.\d+$/);
  });

  it.each(OVERLAYS)('overlays/%s: the migration Job runs `migrate` and everything it needs is in the pre-rollout set', (overlay) => {
    const objects = rendered[overlay];
    const pre = objects.filter((o) => o.metadata.labels?.['tuneforge.io/pre-rollout'] === 'true');
    const names = new Set(pre.map((o) => `${o.kind}/${o.metadata.name}`));
    const job = find(objects, 'Job', 'tuneforge-migrate');
    const pod = podSpecOf(job)!;
    expect(pod.containers[0].args).toEqual(['migrate']);
    expect(podSpecOf(find(objects, 'Deployment', 'tuneforge-api'))!.containers[0].args).toEqual(['serve']);
    expect(pod.containers[0].image).toBe(podSpecOf(find(objects, 'Deployment', 'tuneforge-api'))!.containers[0].image);
    const needs = [
      'Namespace/tuneforge', `ServiceAccount/${pod.serviceAccountName}`, 'Job/tuneforge-migrate',
      ...pod.containers[0].envFrom!.filter((e) => e.configMapRef).map((e) => `ConfigMap/${e.configMapRef!.name}`),
    ];
    // The prod Secret is created by the operator; the dev overlay generates it.
    if (overlay === 'dev') needs.push(...pod.containers[0].envFrom!.filter((e) => e.secretRef).map((e) => `Secret/${e.secretRef!.name}`), 'StatefulSet/postgres', 'Service/postgres');
    for (const n of needs) expect({ n, pre: names.has(n) }).toEqual({ n, pre: true });
  });

  it('docs/deploy.md documents every configuration variable', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/deploy.md'), 'utf8');
    const rows = new Set([...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    expect(CONFIG_VARIABLES.filter((v) => !rows.has(v))).toEqual([]);
    expect([...rows].filter((v) => !CONFIG_VARIABLES.includes(v))).toEqual([]);
  });
});

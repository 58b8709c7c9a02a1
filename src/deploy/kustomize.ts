/**
 * Renders a kustomization the way `kubectl kustomize` (kustomize v5) does, for the subset of
 * kustomize that k8s/ uses: `resources` (files and directories), `labels`, `images`, `patches`
 * (strategic merge and JSON 6902, from a file or inline, optionally with a `target`),
 * `configMapGenerator` / `secretGenerator` (`files`, `literals`, `behavior`, `options.labels`, with
 * kustomize's content-hash name suffix and the references to the generated names rewritten).
 *
 * Why not kustomize itself: neither the npm registry nor Debian has a kustomize recent enough
 * (Debian's kubectl 1.20 embeds kustomize 2.0). Anything outside the subset fails loudly rather than
 * rendering something different; a test compares this renderer with `kubectl kustomize` wherever
 * kubectl is installed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyJsonPatch, JsonPatchOp, strategicMerge } from './patch';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
};

interface Generator {
  name: string;
  namespace?: string;
  behavior?: 'create' | 'merge' | 'replace';
  files?: string[];
  literals?: string[];
  type?: string;
  options?: { labels?: Record<string, string>; annotations?: Record<string, string>; disableNameSuffixHash?: boolean };
}

interface PatchTarget { group?: string; version?: string; kind?: string; name?: string; namespace?: string; labelSelector?: string }

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  labels?: Array<{ pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }>;
  images?: Array<{ name: string; newName?: string; newTag?: string; digest?: string }>;
  patches?: Array<{ path?: string; patch?: string; target?: PatchTarget }>;
  configMapGenerator?: Generator[];
  secretGenerator?: Generator[];
  generatorOptions?: { disableNameSuffixHash?: boolean };
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'labels', 'images', 'patches', 'configMapGenerator', 'secretGenerator', 'generatorOptions']);

/** Objects as rendered, plus what each generated ConfigMap/Secret was called before its hash suffix. */
interface Rendered {
  objects: K8sObject[];
  generated: Map<string, string>; // `${kind}/${namespace}/${originalName}` → hashed name
}

function readYamlDocs(file: string): K8sObject[] {
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'));
  const out: K8sObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value) out.push(value);
  }
  return out;
}

function kustomizationFile(dir: string): string {
  for (const name of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`${dir}: no kustomization.yaml`);
}

function id(o: Pick<K8sObject, 'kind' | 'metadata'>): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Go's json.Marshal of a value with map keys sorted and HTML characters escaped. */
function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return JSON.stringify(sorted(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * kustomize's name suffix for a generated ConfigMap or Secret (api/hasher). Its lookup of
 * "metadata/name" finds nothing, so the name always hashes as "" (kustomize 5.5, checked against it).
 */
export function generatedNameHash(o: K8sObject): string {
  const m: Record<string, unknown> = o.kind === 'Secret'
    ? { kind: 'Secret', type: o.type ?? '', name: '', data: o.data ?? '' }
    : { kind: 'ConfigMap', name: '', data: o.data ?? '' };
  if (o.kind === 'ConfigMap' && o.binaryData) m.binaryData = o.binaryData;
  const hex = createHash('sha256').update(goJson(m)).digest('hex').slice(0, 10);
  return hex.replace(/[013ae]/g, (c) => ({ 0: 'g', 1: 'h', 3: 'k', a: 'm', e: 't' })[c as '0']);
}

/** Base64 as kustomize writes it: lines of 70 characters when longer (each ending in a newline). */
function base64Lines(value: string): string {
  const b64 = Buffer.from(value).toString('base64');
  if (b64.length <= 70) return b64;
  return `${b64.match(/.{1,70}/g)!.join('\n')}\n`;
}

function buildGenerated(kind: 'ConfigMap' | 'Secret', g: Generator, dir: string): K8sObject {
  const data: Record<string, string> = {};
  for (const lit of g.literals ?? []) {
    const eq = lit.indexOf('=');
    if (eq < 1) throw new Error(`${dir}: literal "${lit}" is not KEY=VALUE`);
    data[lit.slice(0, eq)] = lit.slice(eq + 1);
  }
  for (const f of g.files ?? []) {
    const [key, file] = f.includes('=') ? f.split('=', 2) : [path.basename(f), f];
    data[key] = fs.readFileSync(path.resolve(dir, file), 'utf8');
  }
  const metadata: K8sObject['metadata'] = { name: g.name };
  if (g.namespace) metadata.namespace = g.namespace;
  if (g.options?.labels) metadata.labels = { ...g.options.labels };
  if (g.options?.annotations) metadata.annotations = { ...g.options.annotations };
  const obj: K8sObject = { apiVersion: 'v1', kind, metadata };
  if (kind === 'Secret') {
    obj.type = g.type ?? 'Opaque';
    obj.data = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, base64Lines(v)]));
  } else {
    obj.data = data;
  }
  return obj;
}

function targetMatches(o: K8sObject, t: PatchTarget): boolean {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  if (t.kind && t.kind !== o.kind) return false;
  if (t.name && !new RegExp(`^(?:${t.name})$`).test(o.metadata.name)) return false;
  if (t.namespace && t.namespace !== (o.metadata.namespace ?? '')) return false;
  if (t.group !== undefined && t.group !== group) return false;
  if (t.version && t.version !== version) return false;
  if (t.labelSelector) {
    for (const term of t.labelSelector.split(',')) {
      const [k, v] = term.split('=');
      if (o.metadata.labels?.[k.trim()] !== v?.trim()) return false;
    }
  }
  return true;
}

function applyPatch(objects: K8sObject[], text: string, target: PatchTarget | undefined, where: string): K8sObject[] {
  const docs = parseAllDocuments(text).map((d) => d.toJS() as unknown);
  if (docs.length === 1 && Array.isArray(docs[0])) {
    if (!target) throw new Error(`${where}: a JSON 6902 patch needs a target`);
    const ops = docs[0] as JsonPatchOp[];
    let hits = 0;
    const out = objects.map((o) => {
      if (!targetMatches(o, target)) return o;
      hits++;
      return applyJsonPatch(o, ops, where) as K8sObject;
    });
    if (!hits) throw new Error(`${where}: the patch's target matches no object`);
    return out;
  }
  let out = objects;
  for (const doc of docs as K8sObject[]) {
    const deleting = (doc as { $patch?: string }).$patch === 'delete';
    let hits = 0;
    const next: K8sObject[] = [];
    for (const o of out) {
      const matches = target
        ? targetMatches(o, target)
        : o.kind === doc.kind && o.metadata.name === doc.metadata?.name && (doc.metadata?.namespace === undefined || doc.metadata.namespace === (o.metadata.namespace ?? ''));
      if (!matches) { next.push(o); continue; }
      hits++;
      if (deleting) continue;
      const patch = target ? { ...doc, metadata: { ...doc.metadata, name: o.metadata.name, namespace: o.metadata.namespace } } : doc;
      next.push(strategicMerge(o, patch, where) as K8sObject);
    }
    if (!hits) throw new Error(`${where}: patch for ${doc.kind} ${doc.metadata?.name} matches no object`);
    out = next;
  }
  return out;
}

function setImages(o: K8sObject, images: NonNullable<Kustomization['images']>): void {
  const visit = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) {
      if (key === 'containers' || key === 'initContainers') {
        for (const c of node as Array<{ image?: string }>) {
          if (typeof c?.image !== 'string') continue;
          const m = /^(.*?)(?:(@sha256:[0-9a-f]+)|:([^/:@]+))?$/.exec(c.image)!;
          const image = images.find((i) => i.name === m[1]);
          if (!image) continue;
          const name = image.newName ?? m[1];
          if (image.digest) c.image = `${name}@${image.digest}`;
          else if (image.newTag) c.image = `${name}:${image.newTag}`;
          else c.image = `${name}${m[2] ?? (m[3] ? `:${m[3]}` : '')}`;
        }
      }
      node.forEach((n) => visit(n));
      return;
    }
    if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) visit(v, k);
  };
  visit(o);
}

/** Pod templates inside the kinds k8s/ uses, for label and name-reference transforms. */
function podSpecs(o: K8sObject): Array<Record<string, unknown>> {
  const spec = o.spec as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!spec) return [];
  if (o.kind === 'Pod') return [spec];
  if (o.kind === 'CronJob') return spec.jobTemplate?.spec?.template?.spec ? [spec.jobTemplate.spec.template.spec] : [];
  return spec.template?.spec ? [spec.template.spec] : [];
}

function renameReferences(o: K8sObject, generated: Map<string, string>): void {
  const ns = o.metadata.namespace ?? '';
  const rename = (kind: string, name: unknown) => (typeof name === 'string' ? generated.get(`${kind}/${ns}/${name}`) ?? name : name);
  for (const pod of podSpecs(o)) {
    for (const v of (pod.volumes as Array<Record<string, any>> | undefined) ?? []) { // eslint-disable-line @typescript-eslint/no-explicit-any
      if (v.configMap) v.configMap.name = rename('ConfigMap', v.configMap.name);
      if (v.secret) v.secret.secretName = rename('Secret', v.secret.secretName);
      for (const s of v.projected?.sources ?? []) {
        if (s.configMap) s.configMap.name = rename('ConfigMap', s.configMap.name);
        if (s.secret) s.secret.name = rename('Secret', s.secret.name);
      }
    }
    for (const s of (pod.imagePullSecrets as Array<{ name: string }> | undefined) ?? []) s.name = rename('Secret', s.name) as string;
    const containers = [...((pod.containers as unknown[]) ?? []), ...((pod.initContainers as unknown[]) ?? [])] as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const c of containers) {
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef) e.configMapRef.name = rename('ConfigMap', e.configMapRef.name);
        if (e.secretRef) e.secretRef.name = rename('Secret', e.secretRef.name);
      }
      for (const e of c.env ?? []) {
        if (e.valueFrom?.configMapKeyRef) e.valueFrom.configMapKeyRef.name = rename('ConfigMap', e.valueFrom.configMapKeyRef.name);
        if (e.valueFrom?.secretKeyRef) e.valueFrom.secretKeyRef.name = rename('Secret', e.valueFrom.secretKeyRef.name);
      }
    }
  }
}

function renderDir(dir: string): Rendered {
  const file = kustomizationFile(dir);
  const k = (readYamlDocs(file)[0] ?? {}) as unknown as Kustomization;
  for (const key of Object.keys(k)) if (!SUPPORTED.has(key)) throw new Error(`${file}: "${key}" is not supported by this renderer`);

  let objects: K8sObject[] = [];
  const generated = new Map<string, string>();
  // Names a base gave generated objects that this kustomization merges or replaces: [kind, ns, old, original].
  const superseded: Array<[string, string, string, string]> = [];
  // Generated objects keep their original name until the end, so patches and merges can name them.
  const pendingHash = new Set<K8sObject>();
  for (const r of k.resources ?? []) {
    const p = path.resolve(dir, r);
    if (fs.statSync(p).isDirectory()) {
      const sub = renderDir(p);
      for (const [from, to] of sub.generated) generated.set(from, to);
      objects.push(...sub.objects);
    } else {
      objects.push(...readYamlDocs(p));
    }
  }

  const gens: Array<['ConfigMap' | 'Secret', Generator]> = [
    ...(k.configMapGenerator ?? []).map((g) => ['ConfigMap', g] as ['ConfigMap', Generator]),
    ...(k.secretGenerator ?? []).map((g) => ['Secret', g] as ['Secret', Generator]),
  ];
  for (const [kind, g] of gens) {
    const fresh = buildGenerated(kind, g, dir);
    const key = `${kind}/${g.namespace ?? ''}/${g.name}`;
    const behavior = g.behavior ?? 'create';
    if (behavior === 'create') {
      if (objects.some((o) => id(o) === key)) throw new Error(`${file}: ${key} already exists (use behavior: merge or replace)`);
      objects.push(fresh);
    } else {
      const hashedName = generated.get(key);
      const index = objects.findIndex((o) => o.kind === kind && (o.metadata.namespace ?? '') === (g.namespace ?? '') && o.metadata.name === hashedName);
      if (index < 0) throw new Error(`${file}: ${key} to ${behavior} was not generated by a base`);
      const old = objects[index];
      const merged: K8sObject = behavior === 'replace'
        ? { ...fresh, metadata: { ...fresh.metadata, labels: { ...old.metadata.labels, ...fresh.metadata.labels } } }
        : { ...old, data: { ...(old.data as object), ...(fresh.data as object) }, metadata: { ...old.metadata, labels: { ...old.metadata.labels, ...fresh.metadata.labels } } };
      merged.metadata.name = g.name;
      objects[index] = merged;
      generated.delete(key);
      superseded.push([kind, g.namespace ?? '', hashedName!, g.name]);
    }
    if (!(g.options?.disableNameSuffixHash ?? k.generatorOptions?.disableNameSuffixHash)) {
      pendingHash.add(objects.find((o) => id(o) === key)!);
    }
  }

  for (const [i, p] of (k.patches ?? []).entries()) {
    const text = p.path ? fs.readFileSync(path.resolve(dir, p.path), 'utf8') : p.patch;
    if (!text) throw new Error(`${file}: patch ${i} has neither path nor patch`);
    const before = new Set(objects);
    objects = applyPatch(objects, text, p.target, `${file} patch ${p.path ?? i}`);
    // A patched generated object is still generated.
    for (const o of objects) if (!before.has(o)) for (const g of pendingHash) if (id(g) === id(o)) { pendingHash.delete(g); pendingHash.add(o); }
  }

  for (const l of k.labels ?? []) {
    for (const o of objects) {
      o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
      if (l.includeSelectors || l.includeTemplates) throw new Error(`${file}: labels with includeSelectors/includeTemplates are not supported`);
    }
  }

  for (const o of objects) {
    if (!pendingHash.has(o)) continue;
    const original = o.metadata.name;
    o.metadata.name = `${original}-${generatedNameHash(o)}`;
    generated.set(`${o.kind}/${o.metadata.namespace ?? ''}/${original}`, o.metadata.name);
  }
  for (const [kind, ns, old, original] of superseded) {
    const now = generated.get(`${kind}/${ns}/${original}`);
    if (now) generated.set(`${kind}/${ns}/${old}`, now);
  }
  for (const o of objects) renameReferences(o, generated);
  if (k.images?.length) for (const o of objects) setImages(o, k.images);
  return { objects, generated };
}

/** kustomize's default ("legacy") output order. */
const ORDER_FIRST = [
  'Namespace', 'ResourceQuota', 'StorageClass', 'CustomResourceDefinition', 'ServiceAccount', 'PodSecurityPolicy', 'Role',
  'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ConfigMap', 'Secret', 'Endpoints', 'Service', 'LimitRange',
  'PriorityClass', 'PersistentVolume', 'PersistentVolumeClaim', 'Deployment', 'StatefulSet', 'CronJob', 'PodDisruptionBudget',
];
const ORDER_LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function rank(kind: string): number {
  const first = ORDER_FIRST.indexOf(kind);
  if (first >= 0) return first - ORDER_FIRST.length;
  const last = ORDER_LAST.indexOf(kind);
  return last >= 0 ? 1 + last : 0;
}

function gvknn(o: K8sObject): string {
  return `${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
}

/** Renders the kustomization in `dir` to a list of objects, in kustomize's output order. */
export function renderKustomization(dir: string): K8sObject[] {
  const { objects } = renderDir(path.resolve(dir));
  const seen = new Set<string>();
  for (const o of objects) {
    if (seen.has(id(o))) throw new Error(`${dir}: ${id(o)} is defined twice`);
    seen.add(id(o));
  }
  return [...objects].sort((a, b) => rank(a.kind) - rank(b.kind) || (gvknn(a) < gvknn(b) ? -1 : gvknn(a) > gvknn(b) ? 1 : 0));
}

/**
 * The two patch kinds kustomize applies: strategic merge (for the built-in kinds k8s/ patches, with
 * their merge keys) and JSON 6902. Lists without a known merge key are replaced, as Kubernetes does.
 */

/** Merge keys of the lists k8s/ patches (from the Kubernetes OpenAPI `x-kubernetes-patch-merge-key`). */
const MERGE_KEYS: Record<string, (parent: string | undefined) => string | undefined> = {
  containers: () => 'name',
  initContainers: () => 'name',
  env: () => 'name',
  volumes: () => 'name',
  imagePullSecrets: () => 'name',
  volumeMounts: () => 'mountPath',
  topologySpreadConstraints: () => 'topologyKey',
  // Container ports merge on containerPort, Service ports on port.
  ports: (parent) => (parent === 'spec' ? 'port' : 'containerPort'),
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isMap(v: unknown): v is Record<string, Json> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function mergeValue(base: Json | undefined, patch: Json, key: string | undefined, parent: string | undefined, where: string): Json {
  if (isMap(patch)) {
    if (patch.$patch === 'replace') {
      const { $patch: _, ...rest } = patch;
      return structuredClone(rest);
    }
    if (!isMap(base)) return strip(patch);
    const out: Record<string, Json> = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (k === '$patch') throw new Error(`${where}: $patch: ${String(v)} is not supported here`);
      if (v === null) delete out[k];
      else out[k] = mergeValue(base[k], v, k, key, where);
    }
    return out;
  }
  if (Array.isArray(patch)) {
    const mergeKey = key ? MERGE_KEYS[key]?.(parent) : undefined;
    if (!mergeKey || !Array.isArray(base) || !patch.every(isMap)) return strip(patch);
    // As kustomize (kyaml) orders them: the patch's items first, then the others in their order.
    const items = patch as Array<Record<string, Json>>;
    const out: Json[] = [];
    for (const item of items) {
      if (item.$patch === 'delete') continue;
      const original = base.find((b) => isMap(b) && b[mergeKey] === item[mergeKey]);
      out.push(original === undefined ? strip(item) : mergeValue(original, item, undefined, key, where));
    }
    for (const b of base) if (!(isMap(b) && items.some((i) => i[mergeKey] === b[mergeKey]))) out.push(b);
    return out;
  }
  return patch;
}

/** A patch value inserted as is, without directives or nulls. */
function strip(v: Json): Json {
  if (Array.isArray(v)) return v.map(strip);
  if (isMap(v)) return Object.fromEntries(Object.entries(v).filter(([k, x]) => k !== '$patch' && x !== null).map(([k, x]) => [k, strip(x)]));
  return v;
}

/** Applies a strategic merge patch to an object; returns a new object. */
export function strategicMerge<T>(base: T, patch: unknown, where: string): T {
  return mergeValue(structuredClone(base) as Json, patch as Json, undefined, undefined, where) as T;
}

export interface JsonPatchOp { op: 'add' | 'remove' | 'replace' | 'test'; path: string; value?: unknown }

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new Error(`JSON pointer "${path}" must start with /`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Applies RFC 6902 operations (add, remove, replace, test); returns a new object. */
export function applyJsonPatch<T>(doc: T, ops: JsonPatchOp[], where: string): T {
  const root = structuredClone(doc) as unknown as Record<string, unknown>;
  for (const op of ops) {
    const parts = pointer(op.path);
    const last = parts.pop();
    if (last === undefined) throw new Error(`${where}: cannot ${op.op} the whole object`);
    let parent: unknown = root;
    for (const p of parts) {
      parent = Array.isArray(parent) ? parent[Number(p)] : (parent as Record<string, unknown>)?.[p];
      if (parent === undefined || parent === null) throw new Error(`${where}: ${op.op} ${op.path}: no such path`);
    }
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length || (op.op !== 'add' && index >= parent.length)) {
        throw new Error(`${where}: ${op.op} ${op.path}: index out of range`);
      }
      if (op.op === 'add') parent.splice(index, 0, structuredClone(op.value));
      else if (op.op === 'remove') parent.splice(index, 1);
      else if (op.op === 'replace') parent[index] = structuredClone(op.value);
      else if (JSON.stringify(parent[index]) !== JSON.stringify(op.value)) throw new Error(`${where}: test ${op.path} failed`);
    } else {
      const obj = parent as Record<string, unknown>;
      if (op.op !== 'add' && !(last in obj)) throw new Error(`${where}: ${op.op} ${op.path}: no such path`);
      if (op.op === 'add' || op.op === 'replace') obj[last] = structuredClone(op.value);
      else if (op.op === 'remove') delete obj[last];
      else if (JSON.stringify(obj[last]) !== JSON.stringify(op.value)) throw new Error(`${where}: test ${op.path} failed`);
    }
  }
  return root as unknown as T;
}

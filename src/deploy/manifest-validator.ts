/**
 * Validates rendered Kubernetes objects offline, strictly: a field a schema does not name is an
 * error (a typo must fail CI, as `kubectl apply --validate=strict` fails against a cluster).
 *
 * - Built-in kinds: the `kubernetes-models` package (generated from the official Kubernetes
 *   OpenAPI spec, v1.36) checks types, required fields, enums and formats with its compiled ajv
 *   validators. Those accept unknown fields, so the same package's type declarations — generated
 *   from the same spec — are walked with the TypeScript compiler to reject every field a type
 *   does not declare.
 * - Kueue kinds: the CRD schemas vendored in k8s/schemas/kueue-v1beta2.yaml, compiled by ajv with
 *   `additionalProperties: false` added to every object schema that lists its properties; their
 *   metadata is checked as a built-in ObjectMeta.
 *
 * kubernetes-models is ESM with import-only exports, so this module runs in plain Node (the CLI,
 * or a child process in tests), not inside jest's module registry.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import type * as TS from 'typescript';
import { type K8sObject, renderKustomization } from './kustomize';

export const KUBERNETES_VERSION = '1.36';
export const KUEUE_API = 'kueue.x-k8s.io/v1beta2';

const ROOT = path.resolve(__dirname, __filename.endsWith('.ts') ? '../..' : '../../..');
const KUEUE_SCHEMAS = path.join(ROOT, 'k8s/schemas/kueue-v1beta2.yaml');

// A real dynamic import survives the CommonJS build (tsc would turn `import()` into `require`).
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<Record<string, unknown>>;

/** The module path of a built-in kind in kubernetes-models: `apps/v1` + `Deployment` → `apps/v1/Deployment`. */
function modelPath(apiVersion: string, kind: string): string {
  return `${apiVersion.includes('/') ? apiVersion : `v1`}/${kind}`;
}

function label(o: Partial<K8sObject>): string {
  return `${o.kind ?? '?'} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name ?? '?'}`;
}

/**
 * Reports fields the declared type does not have, for every built-in kind given. One TypeScript
 * program over kubernetes-models' declarations serves every object.
 */
class UnknownFieldChecker {
  private readonly ts: typeof TS;
  private readonly checker: TS.TypeChecker;
  private readonly kinds = new Map<string, TS.Type>();

  constructor(kindPaths: string[]) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.ts = require('typescript') as typeof TS;
    const ts = this.ts;
    const file = path.join(ROOT, '__k8s_kinds__.ts');
    const source = [
      ...kindPaths.map((p, i) => `import type { I${p.split('/').pop()} as K${i} } from 'kubernetes-models/${p}';`),
      `export interface Kinds { ${kindPaths.map((p, i) => `'${p}': K${i};`).join(' ')} }`,
      `import type { IObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';`,
      `export interface Meta { metadata: IObjectMeta }`,
    ].join('\n');
    const options: TS.CompilerOptions = {
      module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022,
      noEmit: true, skipLibCheck: true, types: [], strict: true,
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.readFile = (f) => (f === file ? source : readFile(f));
    host.fileExists = ((exists) => (f: string) => f === file || exists(f))(host.fileExists.bind(host));
    host.getSourceFile = (f, lang, onError, create) => (f === file ? ts.createSourceFile(f, source, lang) : getSourceFile(f, lang, onError, create));
    const program = ts.createProgram([file], options, host);
    const problems = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file);
    if (problems.length) throw new Error(`kubernetes-models types: ${ts.flattenDiagnosticMessageText(problems[0].messageText, '\n')}`);
    this.checker = program.getTypeChecker();
    const sf = program.getSourceFile(file)!;
    const declared = (name: string) => {
      const decl = sf.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === name)!;
      return this.checker.getTypeAtLocation(decl);
    };
    const kinds = declared('Kinds');
    for (const p of kindPaths) this.kinds.set(p, this.checker.getTypeOfSymbol(kinds.getProperty(p)!));
    this.kinds.set('@metadata', this.checker.getTypeOfSymbol(declared('Meta').getProperty('metadata')!));
  }

  check(kindPath: string, value: unknown): string[] {
    const errors: string[] = [];
    this.walk(value, this.kinds.get(kindPath)!, '', errors);
    return errors;
  }

  private objectTypes(type: TS.Type): TS.Type[] {
    const t = this.checker.getNonNullableType(type);
    const parts = t.isUnion() ? t.types : [t];
    return parts.filter((p) => (p.flags & this.ts.TypeFlags.Object) !== 0);
  }

  private walk(value: unknown, type: TS.Type, at: string, errors: string[]): void {
    if (value === null || typeof value !== 'object') return; // scalars: the ajv validators judge them
    const candidates = this.objectTypes(type);
    if (!candidates.length) return;
    if (Array.isArray(value)) {
      const arrayType = candidates.find((c) => this.checker.isArrayType(c));
      if (!arrayType) return;
      const element = this.checker.getTypeArguments(arrayType as TS.TypeReference)[0];
      value.forEach((v, i) => this.walk(v, element, `${at}[${i}]`, errors));
      return;
    }
    const objectType = candidates.find((c) => !this.checker.isArrayType(c));
    if (!objectType) return;
    const index = this.checker.getIndexInfoOfType(objectType, this.ts.IndexKind.String);
    const props = objectType.getProperties();
    if (!props.length) {
      // A map (labels, resources…) or a free-form object.
      if (index) for (const [k, v] of Object.entries(value)) this.walk(v, index.type, `${at}.${k}`, errors);
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      const prop = objectType.getProperty(k);
      const where = at ? `${at}.${k}` : k;
      if (!prop) {
        if (index) this.walk(v, index.type, where, errors);
        else errors.push(`${where}: unknown field "${k}"`);
        continue;
      }
      this.walk(v, this.checker.getTypeOfSymbol(prop), where, errors);
    }
  }
}

/** Adds `additionalProperties: false` to every object schema that lists properties and allows no others. */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const s = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === 'properties'
    ? Object.fromEntries(Object.entries(v as object).map(([p, ps]) => [p, strict(ps)]))
    : strict(v)]));
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) s.additionalProperties = false;
  return s;
}

let kueueValidators: Map<string, ValidateFunction> | undefined;

function kueueValidator(kind: string): ValidateFunction | undefined {
  if (!kueueValidators) {
    const doc = parseYaml(fs.readFileSync(KUEUE_SCHEMAS, 'utf8'), { merge: true, maxAliasCount: -1 }) as { kinds: Record<string, unknown> };
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    kueueValidators = new Map(Object.entries(doc.kinds).map(([k, schema]) => [k, ajv.compile(strict(schema) as object)]));
  }
  return kueueValidators.get(kind);
}

function ajvMessages(errors: ValidateFunction['errors']): string[] {
  return (errors ?? []).map((e) => {
    const where = e.instancePath.replace(/^\//, '').replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.') || '(object)';
    if (e.keyword === 'additionalProperties') return `${where ? `${where}.` : ''}${String(e.params.additionalProperty)}: unknown field "${String(e.params.additionalProperty)}"`;
    return `${where}: ${e.message}`;
  });
}

/**
 * Secret data as kustomize writes it: base64 in lines of 70 characters. The API server's decoder
 * skips the newlines; the schema's "byte" format does not, so they are joined before checking.
 */
function unwrapSecretData(o: K8sObject): K8sObject {
  const data = o.data as Record<string, unknown> | undefined;
  if (!data) return o;
  return { ...o, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/\n/g, '') : v])) };
}

/**
 * Validates objects; returns one message per problem, each starting with the object's kind and name.
 * Objects of a kind with no known schema are errors too (nothing goes unchecked).
 */
export async function validateObjects(objects: unknown[]): Promise<string[]> {
  const errors: string[] = [];
  const builtins = new Map<string, K8sObject[]>();
  const crds: K8sObject[] = [];
  for (const raw of objects) {
    const o = raw as K8sObject;
    if (!o || typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
      errors.push(`${label(o ?? {})}: not a Kubernetes object (apiVersion and kind are required)`);
      continue;
    }
    if (o.apiVersion.startsWith('kueue.x-k8s.io/')) crds.push(o);
    else {
      const p = modelPath(o.apiVersion, o.kind);
      builtins.set(p, [...(builtins.get(p) ?? []), o]);
    }
  }

  const known: string[] = [];
  for (const [p, list] of builtins) {
    let Model: { new (data: unknown): { validate(): void } } | undefined;
    try {
      Model = (await importEsm(`kubernetes-models/${p}`))[p.split('/').pop()!] as typeof Model;
    } catch {
      Model = undefined;
    }
    if (!Model) {
      for (const o of list) errors.push(`${label(o)}: no Kubernetes ${KUBERNETES_VERSION} schema for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    known.push(p);
    for (const o of list) {
      try {
        new Model(o.kind === 'Secret' ? unwrapSecretData(o) : o).validate();
      } catch (err) {
        for (const line of String((err as Error).message).split('\n')) errors.push(`${label(o)}: ${line.replace(/^data\/?/, '').replace(/\//g, '.')}`);
      }
    }
  }
  const fields = new UnknownFieldChecker(known);
  for (const p of known) for (const o of builtins.get(p)!) for (const e of fields.check(p, o)) errors.push(`${label(o)}: ${e}`);

  for (const o of crds) {
    const validate = o.apiVersion === KUEUE_API ? kueueValidator(o.kind) : undefined;
    if (!validate) {
      errors.push(`${label(o)}: no schema for ${o.apiVersion} ${o.kind} (Kueue objects use ${KUEUE_API})`);
      continue;
    }
    if (!validate(o)) for (const m of ajvMessages(validate.errors)) errors.push(`${label(o)}: ${m}`);
    for (const e of fields.check('@metadata', o.metadata)) errors.push(`${label(o)}: metadata.${e}`);
  }
  return errors;
}

/** Renders an overlay and validates every object it contains. */
export async function validateOverlay(dir: string): Promise<{ objects: number; errors: string[] }> {
  const objects = renderKustomization(dir);
  return { objects: objects.length, errors: await validateObjects(objects) };
}

/** Reads JSON objects on stdin, writes a JSON array of problems: for tests, which cannot import ESM. */
async function stdinMode(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  process.stdout.write(JSON.stringify(await validateObjects(JSON.parse(input) as unknown[])));
}

if (require.main === module) {
  stdinMode().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}

/**
 * Loads `@kubernetes/client-node` lazily: it is ESM-only (a CommonJS `require` of it fails before
 * Node 20.19) and only the Kubernetes executor needs it, so servers on the local executor never pay
 * for loading it.
 */
export type KubernetesClientModule = typeof import('@kubernetes/client-node');

// A real dynamic import survives the CommonJS build (tsc would turn `import()` into `require`).
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

let loaded: Promise<KubernetesClientModule> | undefined;

export function loadKubernetesClient(): Promise<KubernetesClientModule> {
  loaded ??= importEsm('@kubernetes/client-node').then(
    (m) => m as KubernetesClientModule,
    (err: NodeJS.ErrnoException) => {
      // Inside a vm context without an ESM loader (jest) dynamic import is unavailable; there the
      // module registry compiles the package to CommonJS instead (jest.config.js).
      if (!String(err?.code).startsWith('ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING')) throw err;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require('@kubernetes/client-node') as KubernetesClientModule;
    },
  );
  return loaded;
}

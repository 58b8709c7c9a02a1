/**
 * Chooses the tfjs backend once per process, best first:
 * `@tensorflow/tfjs-node-gpu` → `@tensorflow/tfjs-node` (optional dependencies, absent
 * on most machines) → `@tensorflow/tfjs-backend-wasm` (SIMD, single thread) → `cpu`.
 * `TUNEFORGE_TF_BACKEND=wasm|cpu|node|node-gpu` forces one (tests and benchmarks).
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'path';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | 'node-gpu' | 'node' | 'wasm' | 'cpu';

let ready: Promise<BackendName> | null = null;
let chosen: BackendName | null = null;

function tryRequire(name: string): boolean {
  try {
    // Optional native packages: a plain require keeps tsc from needing their types.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(name);
    return true;
  } catch {
    return false;
  }
}

async function tryBackend(name: string): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

async function choose(preference: BackendPreference, log: (msg: string) => void): Promise<BackendName> {
  const wants = (p: BackendPreference) => preference === 'auto' || preference === p;
  if (wants('node-gpu') && tryRequire('@tensorflow/tfjs-node-gpu') && (await tryBackend('tensorflow'))) {
    return 'tensorflow-gpu';
  }
  if (wants('node') && tryRequire('@tensorflow/tfjs-node') && (await tryBackend('tensorflow'))) {
    return 'tensorflow';
  }
  if (wants('wasm')) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
      const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(dist + path.sep);
      wasm.setThreadsCount?.(1);
      if (await tryBackend('wasm')) return 'wasm';
    } catch (e) {
      log(`wasm backend unavailable: ${(e as Error).message}`);
    }
  }
  if (await tryBackend('cpu')) return 'cpu';
  throw new Error(`no tfjs backend available for preference ${preference}`);
}

/**
 * Initialises the backend (once; later calls return the same promise) and logs which
 * one runs. Safe to call from every entry point.
 */
export function initBackend(
  preference: BackendPreference = (process.env.TUNEFORGE_TF_BACKEND as BackendPreference | undefined) ?? 'auto',
  log: (msg: string) => void = (msg) => process.stderr.write(`[ml] ${msg}\n`),
): Promise<BackendName> {
  if (!ready) {
    ready = choose(preference, log).then((name) => {
      chosen = name;
      log(`tfjs backend: ${name} (tfjs ${tf.version.tfjs})`);
      return name;
    });
  }
  return ready;
}

/** The running backend; throws before `initBackend()` has resolved. */
export function activeBackend(): BackendName {
  if (!chosen) throw new Error('initBackend() has not completed');
  return chosen;
}

/**
 * Switches the backend in-process (benchmarks compare backends this way). Tensors made
 * on the previous backend must be disposed first.
 */
export async function switchBackend(preference: Exclude<BackendPreference, 'auto'>, log?: (msg: string) => void): Promise<BackendName> {
  ready = null;
  chosen = null;
  return initBackend(preference, log);
}

/** Backends this process can run, without switching to them. */
export function availableBackends(): BackendName[] {
  const out: BackendName[] = [];
  if (tryRequire('@tensorflow/tfjs-node-gpu')) out.push('tensorflow-gpu');
  else if (tryRequire('@tensorflow/tfjs-node')) out.push('tensorflow');
  if (tryRequire('@tensorflow/tfjs-backend-wasm')) out.push('wasm');
  out.push('cpu');
  return out;
}

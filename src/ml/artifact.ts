/**
 * Artifact format: a flat set of files (a directory or a blob prefix)
 *
 *   model.json     tfjs-style model description: `format`, task config, and
 *                  `weightsManifest: [{ paths: ['weights.bin'], weights: [specs] }]`
 *                  (a Layers model also carries its `modelTopology`)
 *   weights.bin    little-endian weights as written by `tf.io.encodeWeights`
 *   tokenizer.json task-specific vocabularies / id maps (when the task has them)
 *   metadata.json  {@link ArtifactMetadata}: task, hyperparameters, data hash, backend, metrics, versions
 *
 * Everything here is pure tfjs: loading needs no native backend. `memoryIOHandler`
 * is the custom `tf.io.IOHandler` for Layers models (`file://` needs tfjs-node).
 * Round trips are exact (float32 bytes are copied, never re-parsed).
 */
import * as tf from '@tensorflow/tfjs';
import type { Storage } from './task';
import { ARTIFACT_FORMAT, ARTIFACT_FORMAT_VERSION, MlError, type ArtifactFiles, type ArtifactMetadata, type TaskName } from './task';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const METADATA_FILE = 'metadata.json';
export const TOKENIZER_FILE = 'tokenizer.json';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function readJson<T>(files: ArtifactFiles, name: string): T {
  const bytes = files[name];
  if (!bytes) throw new MlError('BAD_ARTIFACT', `artifact has no ${name}`);
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch (e) {
    throw new MlError('BAD_ARTIFACT', `${name} is not valid JSON`, { cause: e });
  }
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** tfjs model.json for a model kept as named variables (not a Layers model). */
export interface VariablesModelJson<Config> {
  format: 'tuneforge-variables';
  task: TaskName;
  config: Config;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

/** Encodes named tensors (in the given order) into `model.json` + `weights.bin`. */
export async function encodeVariablesModel<Config>(task: TaskName, config: Config, tensors: Array<{ name: string; tensor: tf.Tensor }>): Promise<ArtifactFiles> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const model: VariablesModelJson<Config> = { format: 'tuneforge-variables', task, config, weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }] };
  return { [MODEL_FILE]: jsonBytes(model), [WEIGHTS_FILE]: new Uint8Array(data) };
}

/** Decodes `model.json` + `weights.bin`; the caller owns (and disposes) the tensors. */
export function decodeVariablesModel<Config>(files: ArtifactFiles, task: TaskName): { config: Config; tensors: Map<string, tf.Tensor> } {
  const model = readJson<VariablesModelJson<Config>>(files, MODEL_FILE);
  if (model.format !== 'tuneforge-variables' || model.task !== task) {
    throw new MlError('BAD_ARTIFACT', `model.json is not a ${task} model (format ${model.format}, task ${model.task})`);
  }
  return { config: model.config, tensors: decodeWeightsFrom(files, model.weightsManifest) };
}

function decodeWeightsFrom(files: ArtifactFiles, manifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const group of manifest) {
    const parts = group.paths.map((p) => {
      const b = files[p];
      if (!b) throw new MlError('BAD_ARTIFACT', `artifact has no ${p}`);
      return toArrayBuffer(b);
    });
    const named = tf.io.decodeWeights(tf.io.CompositeArrayBuffer.join(parts), group.weights);
    for (const [k, v] of Object.entries(named)) out.set(k, v);
  }
  return out;
}

/**
 * A `tf.io.IOHandler` that saves a Layers model into `files` (model.json + weights.bin)
 * and loads it back: `await model.save(memoryIOHandler(files))`,
 * `await tf.loadLayersModel(memoryIOHandler(files))`.
 */
export function memoryIOHandler(files: ArtifactFiles, extra: Record<string, unknown> = {}): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      files[MODEL_FILE] = jsonBytes({
        ...extra,
        format: 'layers-model',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      });
      files[WEIGHTS_FILE] = new Uint8Array(weightData.slice(0));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const model = readJson<{ modelTopology: object; weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }> }>(files, MODEL_FILE);
      const weightSpecs = model.weightsManifest.flatMap((g) => g.weights);
      const buffers = model.weightsManifest.flatMap((g) => g.paths.map((p) => {
        const b = files[p];
        if (!b) throw new MlError('BAD_ARTIFACT', `artifact has no ${p}`);
        return toArrayBuffer(b);
      }));
      return { modelTopology: model.modelTopology, weightSpecs, weightData: tf.io.CompositeArrayBuffer.join(buffers) };
    },
  };
}

export function makeMetadata(fields: Omit<ArtifactMetadata, 'format' | 'formatVersion' | 'versions' | 'createdAt'> & { createdAt?: string }): ArtifactMetadata {
  return {
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_FORMAT_VERSION,
    versions: { tuneforge: tuneforgeVersion(), tfjs: tf.version.tfjs, artifact: ARTIFACT_FORMAT_VERSION },
    createdAt: fields.createdAt ?? new Date().toISOString(),
    ...fields,
  };
}

function tuneforgeVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../../package.json') as { version: string }).version;
  } catch {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require('../../../package.json') as { version: string }).version;
    } catch {
      return 'unknown';
    }
  }
}

export function readMetadata(files: ArtifactFiles): ArtifactMetadata {
  const meta = readJson<ArtifactMetadata>(files, METADATA_FILE);
  if (meta.format !== ARTIFACT_FORMAT) throw new MlError('BAD_ARTIFACT', 'metadata.json is not a Tuneforge artifact');
  if (meta.formatVersion > ARTIFACT_FORMAT_VERSION) {
    throw new MlError('BAD_ARTIFACT', `artifact format ${meta.formatVersion} is newer than this build (${ARTIFACT_FORMAT_VERSION})`);
  }
  return meta;
}

/** Writes every file under `prefix/` (metadata.json last, so a reader that sees it sees a whole artifact). */
export async function writeArtifact(storage: Storage, prefix: string, files: ArtifactFiles): Promise<void> {
  const names = Object.keys(files).sort((a, b) => (a === METADATA_FILE ? 1 : b === METADATA_FILE ? -1 : a.localeCompare(b)));
  for (const name of names) await storage.write(join(prefix, name), files[name]);
}

export async function readArtifact(storage: Storage, prefix: string): Promise<ArtifactFiles> {
  const base = prefix ? `${prefix.replace(/\/+$/, '')}/` : '';
  const keys = await storage.list(base);
  if (keys.length === 0) throw new MlError('BAD_ARTIFACT', `no artifact at "${prefix}"`);
  const files: ArtifactFiles = {};
  for (const key of keys) {
    const rel = key.slice(base.length);
    if (rel.includes('/')) continue; // nested folders belong to something else (e.g. checkpoints)
    files[rel] = await storage.read(key);
  }
  return files;
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix.replace(/\/+$/, '')}/${name}` : name;
}

/** sha256 over a canonical JSON encoding of the rows (the data hash of a run). */
export function hashRows(rows: readonly unknown[]): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('crypto') as typeof import('crypto');
  const h = createHash('sha256');
  for (const row of rows) h.update(JSON.stringify(row)).update('\n');
  return h.digest('hex');
}

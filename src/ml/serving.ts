/**
 * Loading a trained artifact for inference: files → task module → predictor, and back to
 * nothing (every tensor freed) when the caller is done with it.
 */
import { METADATA_FILE, readJson } from './artifact';
import { initBackend } from './backend';
import { getTask } from './registry';
import type { AnyPredictor, ArtifactFiles, ArtifactMetadata, TaskName } from './task';

export interface LoadedModel {
  readonly task: TaskName;
  readonly predictor: AnyPredictor;
  /** Bytes of the artifact files: what a cache bounded by memory counts. */
  readonly bytes: number;
  /** Frees the model's tensors. Idempotent; the predictor must not be used afterwards. */
  dispose(): void;
}

export async function loadModel(files: ArtifactFiles): Promise<LoadedModel> {
  await initBackend();
  const meta = readJson<ArtifactMetadata>(files, METADATA_FILE);
  const module = getTask(meta.task);
  const state = await module.deserialize(files, meta.hyperparameters);
  const bytes = Object.values(files).reduce((sum, f) => sum + f.byteLength, 0);
  return { task: meta.task, predictor: module.predictor(state), bytes, dispose: () => module.dispose(state) };
}

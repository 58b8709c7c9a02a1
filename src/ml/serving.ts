/**
 * Loading a trained artifact for inference: files → task module → predictor, and back to
 * nothing (every tensor freed) when the caller is done with it.
 */
import { METADATA_FILE, readJson } from './artifact';
import { initBackend } from './backend';
import { getTask } from './registry';
import type { AnyPredictor, ArtifactFiles, ArtifactMetadata, ClassPrediction, SummarizeOptions, TaskName, TranslateOptions } from './task';

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

/** A text task's serving call: the operation, its options, and what the answer reports per input. */
export type TextCall =
  | { task: 'translation'; options: TranslateOptions }
  | { task: 'summarization'; options: SummarizeOptions }
  | { task: 'classification'; options?: undefined };

export interface TextAnswers {
  outputs: Array<string | ClassPrediction>;
  /** Per input: the model read only its head. */
  truncated: boolean[];
}

/** Runs a batch of texts through a text model and says which inputs it cut (the same code in a worker thread and in process). */
export async function answerTexts(predictor: AnyPredictor, call: TextCall, texts: string[]): Promise<TextAnswers> {
  if ((predictor.task as TaskName) !== call.task) throw new Error(`a ${predictor.task} model cannot answer a ${call.task} call`);
  if (predictor.task === 'recommendation') throw new Error('a recommendation model answers no texts');
  const outputs =
    predictor.task === 'translation' ? await predictor.translate(texts, call.options as TranslateOptions)
    : predictor.task === 'summarization' ? await predictor.summarize(texts, call.options as SummarizeOptions)
    : await predictor.classify(texts);
  return { outputs, truncated: texts.map((t) => predictor.inputTruncated(t)) };
}

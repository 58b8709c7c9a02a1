import { answerTexts, LoadedModel, TextAnswers, TextCall } from '../ml/serving';
import type { RecommendationPredictor, TaskName } from '../ml/task';

/** A model the API serves, in this thread or in the inference worker pool. */
export interface ServedModel {
  readonly task: TaskName;
  /** Memory it holds (artifact bytes, times the copies held): what the model cache's budget counts. */
  readonly bytes: number;
  /** Recommendation models answer in this thread (a host-side pass over the item factors, ~0.2 ms). */
  readonly recommender: RecommendationPredictor | null;
  /** A batch of texts through a text model; outputs and truncation flags in input order. */
  answer(call: TextCall, texts: string[]): Promise<TextAnswers>;
  /** Frees the model (every copy). Idempotent. */
  dispose(): void;
}

/** A model loaded in this thread. */
export function servedInProcess(model: LoadedModel): ServedModel {
  return {
    task: model.task,
    bytes: model.bytes,
    recommender: model.predictor.task === 'recommendation' ? model.predictor : null,
    answer: (call, texts) => answerTexts(model.predictor, call, texts),
    dispose: () => model.dispose(),
  };
}

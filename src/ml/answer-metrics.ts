/**
 * Scores answers that did not come from one of our predictors (a hosted LLM's, for baselines and
 * provider-backed versions) with the very functions our task modules evaluate with, so every
 * number on a model page is computed the same way on the same rows.
 */
import type { ClassificationRow, Evaluation, SummarizationRow, TranslationRow } from './task';
import { reportMetrics, truthIndices } from './tasks/classification';
import { rougeMetrics } from './tasks/summarization';
import { norm, scores } from './tasks/translation';

/** Label given to classification answers that name no known label (counted wrong). */
export const INVALID_LABEL = '(invalid answer)';

export function translationAnswerMetrics(rows: readonly TranslationRow[], answers: readonly string[]): Evaluation {
  if (rows.length === 0) return { metrics: {} };
  const o = { lowercase: false };
  const hyps = answers.map((a) => norm(a, o));
  const refs = rows.map((r) => norm(r.target, o));
  return { metrics: scores(hyps, refs), details: { examples: rows.slice(0, 3).map((r, i) => ({ source: r.source, reference: refs[i], hypothesis: hyps[i] })) } };
}

export function summarizationAnswerMetrics(rows: readonly SummarizationRow[], answers: readonly string[]): Evaluation {
  if (rows.length === 0) return { metrics: {} };
  return { metrics: rougeMetrics(rows.map((r) => r.summary), [...answers]), details: { examples: rows.slice(0, 3).map((r, i) => ({ reference: r.summary, summary: answers[i] })) } };
}

/**
 * `answers[i]` is a known label or null (unparseable). Labels are the training labels, extended
 * (as for local models) by test labels never seen in training, and by INVALID_LABEL when needed.
 */
export function classificationAnswerMetrics(rows: readonly ClassificationRow[], answers: readonly (string | null)[], trainLabels: readonly string[]): Evaluation {
  if (rows.length === 0) return { metrics: {} };
  const { truth, labels } = truthIndices([...trainLabels], [...rows]);
  const known = new Set(trainLabels);
  const invalid = answers.filter((a) => a === null || !known.has(a)).length;
  if (invalid) labels.push(INVALID_LABEL);
  const index = new Map(labels.map((l, i) => [l, i]));
  const pred = Int32Array.from(answers, (a) => (a !== null && known.has(a) ? index.get(a)! : index.get(INVALID_LABEL)!));
  const evaluation = reportMetrics(truth, pred, labels);
  return { metrics: evaluation.metrics, details: { ...evaluation.details, invalidAnswers: invalid } };
}

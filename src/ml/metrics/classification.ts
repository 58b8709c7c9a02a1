/**
 * Classification metrics over integer class indices 0..nClasses-1, with the
 * scikit-learn definitions: per-class precision = TP / predicted, recall = TP / actual,
 * F1 = 2PR / (P + R), each 0 when its denominator is 0 (`zero_division=0`); macro-F1 is
 * the unweighted mean of per-class F1 over all classes.
 */

export interface ClassReport {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  macroF1: number;
  macroPrecision: number;
  macroRecall: number;
  perClass: ClassReport[];
  /** `confusion[actual][predicted]` counts. */
  confusion: number[][];
  labels: string[];
}

export function confusionMatrix(truth: ArrayLike<number>, pred: ArrayLike<number>, nClasses: number): number[][] {
  if (truth.length !== pred.length) throw new Error(`length mismatch: ${truth.length} targets, ${pred.length} predictions`);
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < truth.length; i++) m[truth[i]][pred[i]]++;
  return m;
}

export function classificationReport(truth: ArrayLike<number>, pred: ArrayLike<number>, labels: readonly string[]): ClassificationReport {
  const n = labels.length;
  const confusion = confusionMatrix(truth, pred, n);
  let correct = 0;
  const perClass: ClassReport[] = [];
  for (let c = 0; c < n; c++) {
    const tp = confusion[c][c];
    correct += tp;
    let actual = 0, predicted = 0;
    for (let j = 0; j < n; j++) {
      actual += confusion[c][j];
      predicted += confusion[j][c];
    }
    const precision = predicted ? tp / predicted : 0;
    const recall = actual ? tp / actual : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ label: labels[c], precision, recall, f1, support: actual });
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  return {
    accuracy: truth.length ? correct / truth.length : 0,
    macroF1: mean(perClass.map((c) => c.f1)),
    macroPrecision: mean(perClass.map((c) => c.precision)),
    macroRecall: mean(perClass.map((c) => c.recall)),
    perClass,
    confusion,
    labels: [...labels],
  };
}

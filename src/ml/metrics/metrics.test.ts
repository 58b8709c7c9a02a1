import { classificationReport, confusionMatrix } from './classification';
import { dcgAtK, ndcgAtK, rankingMetrics } from './ranking';
import { mae, rmse } from './regression';

describe('regression metrics', () => {
  it('computes RMSE and MAE against hand-computed values', () => {
    // errors: 0.5, -1, 2 → squares 0.25 + 1 + 4 = 5.25; RMSE = sqrt(1.75) = 1.3228756555
    expect(rmse([3.5, 2, 5], [3, 3, 3])).toBeCloseTo(1.3228756555, 9);
    expect(mae([3.5, 2, 5], [3, 3, 3])).toBeCloseTo(3.5 / 3, 12);
  });
  it('rejects mismatched or empty inputs', () => {
    expect(() => rmse([1], [1, 2])).toThrow('length mismatch');
    expect(() => mae([], [])).toThrow('no examples');
  });
});

describe('ranking metrics', () => {
  it('computes DCG and NDCG@K with binary relevance (hand-computed)', () => {
    const ranked = ['a', 'b', 'c', 'd'];
    const relevant = new Set(['b', 'd', 'x']);
    // DCG@4 = 1/log2(3) + 1/log2(5) = 0.6309297536 + 0.4306765581 = 1.0616063117
    expect(dcgAtK(ranked, relevant, 4)).toBeCloseTo(1.0616063117, 9);
    // IDCG@4 (3 relevant) = 1 + 0.6309297536 + 0.5 = 2.1309297536 → NDCG = 0.4981892575
    expect(ndcgAtK(ranked, relevant, 4)).toBeCloseTo(0.4981892575, 9);
    // @1: no hit
    expect(ndcgAtK(ranked, relevant, 1)).toBe(0);
  });
  it('averages HR, precision, recall and NDCG over users, skipping users without relevant items', () => {
    const m = rankingMetrics(
      [
        { ranked: ['a', 'b'], relevant: new Set(['a']) }, // hit at rank 0: hr 1, p 1/2, r 1, ndcg 1
        { ranked: ['c', 'd'], relevant: new Set(['x', 'y']) }, // miss: all 0
        { ranked: ['e', 'f'], relevant: new Set() }, // skipped
      ],
      2,
    );
    expect(m.users).toBe(2);
    expect(m.hitRate).toBeCloseTo(0.5, 12);
    expect(m.precision).toBeCloseTo(0.25, 12);
    expect(m.recall).toBeCloseTo(0.5, 12);
    expect(m.ndcg).toBeCloseTo(0.5, 12);
  });
});

describe('classification metrics', () => {
  // scikit-learn reference: y_true = [0,0,0,1,1,2], y_pred = [0,1,0,1,2,2]
  // precision = [1, .5, .5], recall = [2/3, .5, 1], f1 = [.8, .5, 2/3], macro-F1 = 0.6555555556, accuracy = 4/6
  const truth = [0, 0, 0, 1, 1, 2];
  const pred = [0, 1, 0, 1, 2, 2];
  it('matches scikit-learn on a small example', () => {
    const r = classificationReport(truth, pred, ['neg', 'neu', 'pos']);
    expect(r.accuracy).toBeCloseTo(4 / 6, 12);
    expect(r.perClass.map((c) => c.precision)).toEqual([1, 0.5, 0.5]);
    expect(r.perClass[0].recall).toBeCloseTo(2 / 3, 12);
    expect(r.perClass[2].f1).toBeCloseTo(2 / 3, 12);
    expect(r.macroF1).toBeCloseTo(0.6555555556, 9);
    expect(r.confusion).toEqual([[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
  });
  it('gives 0 (not NaN) for a class never predicted', () => {
    const r = classificationReport([0, 1, 1], [1, 1, 1], ['a', 'b']);
    expect(r.perClass[0]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(r.macroF1).toBeCloseTo(0.4, 12); // b: p 2/3, r 1, f1 0.8
    expect(confusionMatrix([0, 1, 1], [1, 1, 1], 2)).toEqual([[0, 1], [0, 2]]);
  });
});

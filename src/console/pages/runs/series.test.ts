import { describe, expect, it } from 'vitest';
import { chartGroups, mergeSeries } from './series';

describe('metric series', () => {
  const stored = [
    { name: 'loss', split: 'train', points: [{ step: 10, value: 1.3 }, { step: 20, value: 1.2 }] },
    { name: 'rmse', split: 'validation', points: [{ step: 10, value: 1.1 }] },
  ];

  it('appends live points after the stored ones, skips steps already drawn, and starts new series', () => {
    const merged = mergeSeries(stored, [
      { name: 'loss', split: 'train', step: 20, value: 9 },
      { name: 'loss', split: 'train', step: 30, value: 1.1 },
      { name: 'loss', split: 'validation', step: 30, value: 1.25 },
    ]);
    expect(merged.find((s) => s.name === 'loss' && s.split === 'train')!.points).toEqual([
      { step: 10, value: 1.3 },
      { step: 20, value: 1.2 },
      { step: 30, value: 1.1 },
    ]);
    expect(merged.find((s) => s.split === 'validation' && s.name === 'loss')!.points).toEqual([{ step: 30, value: 1.25 }]);
    expect(stored[0].points).toHaveLength(2); // the query's data is not mutated
  });

  it('draws the loss first (train and validation together), then one chart per metric', () => {
    const groups = chartGroups(mergeSeries(stored, [{ name: 'loss', split: 'validation', step: 10, value: 1.4 }]));
    expect(groups.map((g) => [g.title, g.series.map((s) => s.split)])).toEqual([
      ['Loss', ['train', 'validation']],
      ['rmse', ['validation']],
    ]);
  });
});

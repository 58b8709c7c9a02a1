import { downsample } from './downsample';

const series = (values: number[]) => values.map((value, step) => ({ step, value }));

describe('downsample', () => {
  it('returns short series unchanged', () => {
    const s = series([3, 1, 2]);
    expect(downsample(s, 10)).toBe(s);
  });

  it('keeps each bucket\'s min and max in step order, so a single spike survives', () => {
    const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i / 50));
    values[517] = 99;
    const out = downsample(series(values), 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out.map((p) => p.value)).toContain(99);
    expect(Math.min(...out.map((p) => p.value))).toBe(Math.min(...values));
    const steps = out.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
  });
});

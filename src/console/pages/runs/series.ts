/** Metric series as the run page draws them: the stored points, then the live ones after them. */
export interface Point {
  step: number;
  value: number;
}

export interface Series {
  name: string;
  split: string;
  points: Point[];
}

export interface LivePoint extends Point {
  name: string;
  split: string;
}

/** Appends live points to their series (creating new ones), skipping steps a series already has. */
export function mergeSeries(stored: readonly Series[], live: readonly LivePoint[]): Series[] {
  const byKey = new Map<string, Series>();
  for (const s of stored) byKey.set(`${s.name}\n${s.split}`, { ...s, points: [...s.points] });
  for (const p of live) {
    const key = `${p.name}\n${p.split}`;
    let series = byKey.get(key);
    if (!series) {
      series = { name: p.name, split: p.split, points: [] };
      byKey.set(key, series);
    }
    const last = series.points[series.points.length - 1];
    if (!last || p.step > last.step) series.points.push({ step: p.step, value: p.value });
  }
  return [...byKey.values()];
}

/** One chart for the loss (train and validation), one per other metric (validation). */
export function chartGroups(series: readonly Series[]): { title: string; series: Series[] }[] {
  const loss = series.filter((s) => s.name === 'loss');
  const others = [...new Set(series.filter((s) => s.name !== 'loss').map((s) => s.name))].sort();
  return [
    ...(loss.length ? [{ title: 'Loss', series: loss }] : []),
    ...others.map((name) => ({ title: name, series: series.filter((s) => s.name === name) })),
  ];
}

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatNumber } from '../../ui/format';
import type { Series } from './series';

const COLORS: Record<string, string> = { train: '#2563eb', validation: '#d97706', test: '#059669' };

/** Aligns the series on one step axis (uPlot wants shared x values; gaps are null). */
function toData(series: readonly Series[]): uPlot.AlignedData {
  const steps = [...new Set(series.flatMap((s) => s.points.map((p) => p.step)))].sort((a, b) => a - b);
  const index = new Map(steps.map((s, i) => [s, i]));
  const ys = series.map((s) => {
    const column: (number | null)[] = new Array(steps.length).fill(null);
    for (const p of s.points) column[index.get(p.step)!] = p.value;
    return column;
  });
  return [steps, ...ys];
}

/**
 * A line chart of metric series by step (uPlot: small, fast, canvas). Live points arrive as new
 * `series`; the plot is updated in place, not rebuilt. The latest values are also given as text.
 */
export function MetricChart({ title, series }: { title: string; series: readonly Series[] }) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.split).join(',');

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const width = () => Math.max(240, el.clientWidth);
    plot.current = new uPlot(
      {
        width: width(),
        height: 220,
        scales: { x: { time: false } },
        legend: { live: false },
        axes: [{ label: 'step' }, { size: 60 }],
        series: [{ label: 'step' }, ...series.map((s) => ({ label: s.split, stroke: COLORS[s.split] ?? '#6b7280', width: 2, spanGaps: true, points: { show: true, size: 4 } }))],
      },
      toData(series),
      el,
    );
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: width(), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of series changes (`shape`); new points go through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(toData(series));
  }, [series]);

  const points = series.reduce((n, s) => n + s.points.length, 0);
  return (
    <figure className="chart" data-points={points}>
      <figcaption>{title}</figcaption>
      <div ref={container} className="chart-canvas" aria-hidden="true" />
      <p className="chart-latest">
        {series.map((s) => {
          const last = s.points[s.points.length - 1];
          return last ? <span key={s.split}>{s.split}: {formatNumber(last.value)} at step {last.step}</span> : null;
        })}
      </p>
    </figure>
  );
}

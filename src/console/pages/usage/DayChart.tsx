import { formatNumber } from '../../ui/format';

export interface DayBar {
  day: string;
  value: number;
}

/** A plain SVG bar chart (one bar a day), with the numbers also in a table for screen readers. */
export function DayChart({ title, bars, unit }: { title: string; bars: DayBar[]; unit: string }) {
  const width = 640;
  const height = 160;
  const pad = { left: 84, bottom: 22, top: 10 };
  const max = Math.max(...bars.map((b) => b.value), 0);
  const step = bars.length ? (width - pad.left) / bars.length : 0;
  const barWidth = Math.min(48, Math.max(2, step * 0.7));
  const plotHeight = height - pad.bottom - pad.top;
  const labelEvery = Math.max(1, Math.ceil(bars.length / 8));
  return (
    <figure className="chart day-chart" data-bars={bars.length}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${bars.map((b) => `${b.day} ${formatNumber(b.value, 3)} ${unit}`).join(', ') || 'no usage'}`}>
        <line x1={pad.left} x2={width} y1={height - pad.bottom} y2={height - pad.bottom} stroke="currentColor" strokeOpacity={0.3} />
        {max > 0 && <text x={pad.left - 4} y={pad.top + 8} textAnchor="end" fontSize={13} fill="currentColor">{formatNumber(max, 3)}</text>}
        <text x={pad.left - 4} y={height - pad.bottom} textAnchor="end" fontSize={13} fill="currentColor">0</text>
        {bars.map((b, i) => {
          const h = max > 0 ? (b.value / max) * plotHeight : 0;
          const x = pad.left + i * step + (step - barWidth) / 2;
          return (
            <g key={b.day}>
              <rect x={x} y={height - pad.bottom - h} width={barWidth} height={h} className="day-bar"><title>{`${b.day}: ${formatNumber(b.value, 3)} ${unit}`}</title></rect>
              {i % labelEvery === 0 && <text x={x + barWidth / 2} y={height - 4} textAnchor="middle" fontSize={13} fill="currentColor">{b.day.slice(5)}</text>}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

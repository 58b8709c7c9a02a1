import { formatNumber } from '../../ui/format';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asNumber = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Horizontal bars for a value → count map (rating histogram, label distribution). */
export function Bars({ title, counts }: { title: string; counts: Json }) {
  const entries = Object.entries(counts).map(([k, v]) => [k, asNumber(v) ?? 0] as const);
  const max = Math.max(1, ...entries.map(([, v]) => v));
  return (
    <figure className="bars">
      <figcaption>{title}</figcaption>
      <dl>
        {entries.map(([key, value]) => (
          <div key={key} className="bar-row">
            <dt>{key}</dt>
            <dd>
              <span className="bar" style={{ width: `${(value / max) * 100}%` }} aria-hidden="true" />
              <span className="bar-value">{value.toLocaleString('en')}</span>
            </dd>
          </div>
        ))}
      </dl>
    </figure>
  );
}

const PERCENTILES = ['min', 'p50', 'mean', 'p90', 'p99', 'max'] as const;

/** Length percentiles of the text fields (characters and tokens) per side. */
function Lengths({ sides }: { sides: [string, unknown][] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>Lengths</caption>
        <thead>
          <tr><th scope="col">Field</th><th scope="col">Unit</th>{PERCENTILES.map((p) => <th key={p} scope="col" className="num">{p}</th>)}</tr>
        </thead>
        <tbody>
          {sides.flatMap(([side, value]) =>
            isObject(value)
              ? (['chars', 'tokens'] as const).map((unit) => {
                  const row = value[unit];
                  return (
                    <tr key={`${side}-${unit}`}>
                      <th scope="row">{side}</th>
                      <td>{unit === 'chars' ? 'characters' : 'tokens'}</td>
                      {PERCENTILES.map((p) => <td key={p} className="num">{formatNumber(isObject(row) ? asNumber(row[p]) : null, 3)}</td>)}
                    </tr>
                  );
                })
              : [],
          )}
        </tbody>
      </table>
    </div>
  );
}

function Facts({ items }: { items: [string, string][] }) {
  return (
    <dl className="facts">
      {items.map(([k, v]) => (
        <div key={k}><dt>{k}</dt><dd>{v}</dd></div>
      ))}
    </dl>
  );
}

/** The task's statistics as the server computed them (see docs/api.md, Datasets). */
export function DatasetStats({ stats }: { stats: Json }) {
  switch (stats.task) {
    case 'RECOMMENDATION':
      return (
        <>
          <Facts
            items={[
              ['Users', formatNumber(asNumber(stats.users))],
              ['Items', formatNumber(asNumber(stats.items))],
              ['Ratings', `${formatNumber(asNumber(stats.ratingMin))} – ${formatNumber(asNumber(stats.ratingMax))}`],
              ['Mean rating', formatNumber(asNumber(stats.ratingMean), 3)],
              ['Sparsity', stats.sparsity === null ? '—' : `${((asNumber(stats.sparsity) ?? 0) * 100).toFixed(2)} %`],
              ['With timestamp', formatNumber(asNumber(stats.rowsWithTimestamp))],
            ]}
          />
          {isObject(stats.ratingHistogram) && <Bars title="Ratings" counts={stats.ratingHistogram} />}
        </>
      );
    case 'TRANSLATION':
      return <Lengths sides={[['source', stats.source], ['target', stats.target]]} />;
    case 'SUMMARIZATION':
      return <Lengths sides={[['document', stats.document], ['summary', stats.summary]]} />;
    case 'CLASSIFICATION':
      return (
        <>
          <Facts items={[['Labels', formatNumber(asNumber(stats.labelCount))]]} />
          {isObject(stats.labels) && <Bars title="Label distribution" counts={stats.labels} />}
          <Lengths sides={[['text', stats.text]]} />
        </>
      );
    default:
      return <pre className="json">{JSON.stringify(stats, null, 2)}</pre>;
  }
}

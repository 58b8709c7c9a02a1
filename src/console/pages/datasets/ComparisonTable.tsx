import { Link } from 'react-router';
import type { BaselinesQuery } from '../../gql/graphql';
import { formatNumber } from '../../ui/format';

type Contender = BaselinesQuery['compareOnDataset']['contenders'][number];

const byRank = (a: Contender, b: Contender) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || (b.value ?? -Infinity) - (a.value ?? -Infinity);

/** Versions trained on this dataset and finished baselines, best first; only those on the same rows are ranked. */
export function ComparisonTable({ metric, contenders }: { metric: string; contenders: readonly Contender[] }) {
  if (contenders.length === 0) return <p className="hint">Nothing to compare yet: no version trained on this dataset and no finished baseline.</p>;
  return (
    <div className="table-wrap">
      <table aria-label="Comparison">
        <thead>
          <tr>
            <th scope="col" className="num">Rank</th><th scope="col">Contender</th><th scope="col">Kind</th>
            <th scope="col" className="num">{metric}</th><th scope="col">Same rows</th>
          </tr>
        </thead>
        <tbody>
          {[...contenders].sort(byRank).map((c) => (
            <tr key={c.modelVersion?.id ?? c.baseline?.id ?? c.label}>
              <td className="num">{c.rank ?? '—'}</td>
              <td>{c.modelVersion ? <Link to={`/models/${encodeURIComponent(c.modelVersion.model.id)}`}>{c.label}</Link> : c.label}</td>
              <td>{c.kind === 'BASELINE' ? 'baseline' : 'model version'}</td>
              <td className="num">{formatNumber(c.value)}</td>
              <td>{c.sameRows ? 'yes' : <span className="hint">no (a sample: not ranked)</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

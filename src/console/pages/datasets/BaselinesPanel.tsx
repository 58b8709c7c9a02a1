import { useCallback, useState } from 'react';
import { useQuery } from 'urql';
import type { BaselinesQuery, Task } from '../../gql/graphql';
import { formatDate, formatNumber } from '../../ui/format';
import { QueryState } from '../../ui/QueryState';
import { StatusBadge } from '../../ui/StatusBadge';
import { usePolling } from '../../ui/usePolling';
import { BaselineForm } from './BaselineForm';
import { COMPARABLE_METRICS } from './baseline-metrics';
import { ComparisonTable } from './ComparisonTable';
import { BaselinesDocument } from './datasets.operations';

function BaselineList({ baselines: rows, metric }: { baselines: BaselinesQuery['baselines']; metric: string }) {
  if (rows.length === 0) return <p className="hint">No baseline yet.</p>;
  return (
    <div className="table-wrap">
      <table aria-label="Baselines">
        <thead>
          <tr><th scope="col">Model</th><th scope="col" className="num">Shots</th><th scope="col">Status</th><th scope="col" className="num">{metric}</th><th scope="col" className="wide-only">Rows</th><th scope="col" className="wide-only">Started</th></tr>
        </thead>
        <tbody>
          {rows.map((b) => (
            <tr key={b.id}>
              <td>{b.model}</td>
              <td className="num">{b.shots}</td>
              <td><StatusBadge status={b.status} />{b.error && <><br /><span className="field-error">{b.error.code}: {b.error.message}</span></>}</td>
              <td className="num">{formatNumber((b.evaluation?.metrics as Record<string, number> | undefined)?.[metric])}</td>
              <td className="wide-only">{b.rowsEvaluated?.toLocaleString('en') ?? '—'}{b.sampleSize ? ` (sample of ${b.sampleSize})` : ''}</td>
              <td className="wide-only">{formatDate(b.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * "Compare with an OpenAI model": start a zero/few-shot baseline on the test split, follow it (polled
 * while RUNNING: the API has no subscription for baselines), and rank it beside the versions trained here.
 */
export function BaselinesPanel({ datasetId, task, canRun }: { datasetId: string; task: Task; canRun: boolean }) {
  const metrics = COMPARABLE_METRICS[task] ?? [];
  const [metric, setMetric] = useState(metrics[0] ?? '');
  const [result, reexecute] = useQuery({ query: BaselinesDocument, variables: { datasetId, metric }, pause: !metric });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  usePolling(result.data?.baselines.some((b) => b.status === 'RUNNING') ?? false, refresh, 3000);
  if (!metric) return null;
  return (
    <section className="panel" aria-labelledby="compare-title">
      <h2 id="compare-title">Compare with an OpenAI model</h2>
      <p className="hint">How a chat model does on this dataset's test split with no training or a few examples, scored with the same metrics as your versions.</p>
      {canRun ? <BaselineForm datasetId={datasetId} onStarted={refresh} /> : <p className="hint">Evaluating a baseline needs the runs:write permission.</p>}
      <div className="filters">
        <label>
          Metric{' '}
          <select value={metric} onChange={(e) => setMetric(e.target.value)}>
            {metrics.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
      </div>
      <QueryState result={result} retry={refresh}>
        {({ baselines, compareOnDataset }) => (
          <>
            <h3>Baselines</h3>
            <BaselineList baselines={baselines} metric={metric} />
            <h3>Ranked on {compareOnDataset.metric}</h3>
            <ComparisonTable metric={compareOnDataset.metric} contenders={compareOnDataset.contenders} />
          </>
        )}
      </QueryState>
    </section>
  );
}

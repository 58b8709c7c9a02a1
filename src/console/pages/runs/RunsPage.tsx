import { useCallback } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { hasScope, useViewer } from '../../app/viewer';
import type { RunStatus } from '../../gql/graphql';
import { formatDate, formatDuration, titleCase } from '../../ui/format';
import { PageHeader } from '../../ui/PageHeader';
import { Pager, useCursorPages } from '../../ui/Pager';
import { Empty, QueryState } from '../../ui/QueryState';
import { ProviderBadge } from '../../ui/ProviderBadge';
import { StatusBadge } from '../../ui/StatusBadge';
import { usePolling } from '../../ui/usePolling';
import { epochText, isActive, RUN_STATUSES } from './run-status';
import { RunsDocument } from './runs.operations';

export function RunsPage() {
  const viewer = useViewer();
  const [params, setParams] = useSearchParams();
  const status = (RUN_STATUSES as string[]).includes(params.get('status') ?? '') ? (params.get('status') as RunStatus) : null;
  const pages = useCursorPages();
  const [result, reexecute] = useQuery({ query: RunsDocument, variables: { first: 25, after: pages.after, filter: status ? { status } : null } });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  usePolling(result.data?.runs.nodes.some((r) => isActive(r.status)) ?? false, refresh, 3000);

  return (
    <>
      <PageHeader title="Runs">
        {hasScope(viewer, 'runs:write') && <Link className="button button-primary" to="/runs/new">Launch a run</Link>}
      </PageHeader>
      <div className="filters">
        <label>
          Status{' '}
          <select
            value={status ?? ''}
            onChange={(e) => {
              pages.reset();
              setParams(e.target.value ? { status: e.target.value } : {});
            }}
          >
            <option value="">Any</option>
            {RUN_STATUSES.map((s) => <option key={s} value={s}>{titleCase(s)}</option>)}
          </select>
        </label>
      </div>
      <QueryState result={result} retry={refresh}>
        {({ runs }) =>
          runs.nodes.length === 0 ? (
            <Empty title={status ? `No ${status.toLowerCase()} runs.` : 'No runs yet.'}>
              {!status && <p>A run fine-tunes a model on a ready dataset. <Link to="/runs/new">Launch one</Link>.</p>}
            </Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Model</th><th scope="col">Task</th><th scope="col">Status</th><th scope="col">Progress</th>
                      <th scope="col" className="wide-only">Dataset</th><th scope="col" className="num wide-only">GPU time</th><th scope="col" className="wide-only">Created</th>
                    </tr>
                  </thead>
                  <tbody>
                    {runs.nodes.map((run) => (
                      <tr key={run.id}>
                        <td><Link to={`/runs/${run.id}`}>{run.modelName}</Link><ProviderBadge provider={run.provider} /></td>
                        <td>{titleCase(run.task)}</td>
                        <td><StatusBadge status={run.status} />{run.attempt > 1 && <small> attempt {run.attempt}</small>}</td>
                        <td>{run.progress ? epochText(run.progress) : '—'}</td>
                        <td className="wide-only">{run.dataset ? <Link to={`/datasets/${run.dataset.id}`}>{run.dataset.name}</Link> : 'deleted'}</td>
                        <td className="num wide-only">{formatDuration(run.gpuSeconds)}</td>
                        <td className="wide-only">{formatDate(run.createdAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager pages={pages} pageInfo={runs.pageInfo} />
            </>
          )
        }
      </QueryState>
    </>
  );
}

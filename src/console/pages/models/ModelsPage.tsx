import { useCallback } from 'react';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { formatDate, titleCase } from '../../ui/format';
import { PageHeader } from '../../ui/PageHeader';
import { Pager, useCursorPages } from '../../ui/Pager';
import { Empty, QueryState } from '../../ui/QueryState';
import { ModelsDocument } from './models.operations';

export function ModelsPage() {
  const pages = useCursorPages();
  const [result, reexecute] = useQuery({ query: ModelsDocument, variables: { first: 25, after: pages.after } });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  return (
    <>
      <PageHeader title="Models" />
      <p className="lead">A run that succeeds registers a new version of its model. Aliases such as <code>production</code> pick the version apps get.</p>
      <QueryState result={result} retry={refresh}>
        {({ models }) =>
          models.nodes.length === 0 ? (
            <Empty title="No models yet.">
              <p>A model appears here when its first run succeeds. <Link to="/runs/new">Launch a run</Link>.</p>
            </Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr><th scope="col">Model</th><th scope="col">Task</th><th scope="col">Aliases</th><th scope="col">Latest version</th><th scope="col" className="wide-only">Created</th></tr>
                  </thead>
                  <tbody>
                    {models.nodes.map((m) => (
                      <tr key={m.id}>
                        <td><Link to={`/models/${encodeURIComponent(m.id)}`}>{m.name}</Link></td>
                        <td>{titleCase(m.task)}</td>
                        <td>{m.aliases.length ? m.aliases.map((a) => <code key={a.name} className="scope">{a.name} → v{a.version.version}</code>) : '—'}</td>
                        <td>{m.latestVersion ? `v${m.latestVersion.version}` : '—'}</td>
                        <td className="wide-only">{formatDate(m.createdAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager pages={pages} pageInfo={models.pageInfo} />
            </>
          )
        }
      </QueryState>
    </>
  );
}

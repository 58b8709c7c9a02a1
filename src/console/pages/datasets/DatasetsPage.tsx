import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { hasScope, useViewer } from '../../app/viewer';
import type { DatasetStatus, Task } from '../../gql/graphql';
import { formatBytes, formatDate, titleCase } from '../../ui/format';
import { PageHeader } from '../../ui/PageHeader';
import { Pager, useCursorPages } from '../../ui/Pager';
import { Empty, QueryState } from '../../ui/QueryState';
import { StatusBadge } from '../../ui/StatusBadge';
import { usePolling } from '../../ui/usePolling';
import { DatasetsDocument } from './datasets.operations';
import { TASKS } from './dataset-options';
import { UploadPanel } from './UploadPanel';

const STATUSES: DatasetStatus[] = ['READY', 'PROCESSING', 'UPLOADING', 'FAILED'];

export function DatasetsPage() {
  const viewer = useViewer();
  const [status, setStatus] = useState<DatasetStatus | ''>('');
  const [task, setTask] = useState<Task | ''>('');
  const pages = useCursorPages();
  const filter = { ...(status ? { status } : {}), ...(task ? { task } : {}) };
  const [result, reexecute] = useQuery({ query: DatasetsDocument, variables: { first: 25, after: pages.after, filter } });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  // Uploads in flight change state without a subscription: look again while any is pending.
  const pending = result.data?.datasets.nodes.some((d) => d.status === 'UPLOADING' || d.status === 'PROCESSING') ?? false;
  usePolling(pending, refresh);

  return (
    <>
      <PageHeader title="Datasets" />
      {hasScope(viewer, 'datasets:write') && <UploadPanel onUploaded={refresh} />}
      <section aria-labelledby="datasets-title">
        <div className="section-header">
          <h2 id="datasets-title">All datasets</h2>
          <div className="filters">
            <label>
              Status{' '}
              <select value={status} onChange={(e) => { setStatus(e.target.value as DatasetStatus | ''); pages.reset(); }}>
                <option value="">Any</option>
                {STATUSES.map((s) => <option key={s} value={s}>{titleCase(s)}</option>)}
              </select>
            </label>
            <label>
              Task{' '}
              <select value={task} onChange={(e) => { setTask(e.target.value as Task | ''); pages.reset(); }}>
                <option value="">Any</option>
                {TASKS.map((t) => <option key={t.value} value={t.value}>{t.label}</option>)}
              </select>
            </label>
          </div>
        </div>
        <QueryState result={result} retry={refresh}>
          {({ datasets }) =>
            datasets.nodes.length === 0 ? (
              <Empty title={status || task ? 'No dataset matches these filters.' : 'No datasets yet.'}>
                {!status && !task && <p>Upload a file above: it is validated as it arrives and split into train, validation and test.</p>}
              </Empty>
            ) : (
              <>
                <div className="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Name</th><th scope="col" className="wide-only">Task</th><th scope="col">Status</th>
                        <th scope="col" className="num">Rows</th><th scope="col" className="num wide-only">Size</th><th scope="col" className="wide-only">Created</th>
                      </tr>
                    </thead>
                    <tbody>
                      {datasets.nodes.map((d) => (
                        <tr key={d.id}>
                          <td><Link to={`/datasets/${d.id}`}>{d.name}</Link></td>
                          <td className="wide-only">{titleCase(d.task)}</td>
                          <td><StatusBadge status={d.status} /></td>
                          <td className="num">{d.rowCount?.toLocaleString('en') ?? (d.errorCount ? `${d.errorCount} errors` : '—')}</td>
                          <td className="num wide-only">{formatBytes(d.byteSize)}</td>
                          <td className="wide-only">{formatDate(d.createdAt)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <Pager pages={pages} pageInfo={datasets.pageInfo} />
              </>
            )
          }
        </QueryState>
      </section>
    </>
  );
}

import { useCallback, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { describeError, problemText } from '../../api/errors';
import { hasScope, useViewer } from '../../app/viewer';
import type { DatasetQuery } from '../../gql/graphql';
import { Alert } from '../../ui/Alert';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { formatBytes, formatDate, titleCase } from '../../ui/format';
import { PageHeader } from '../../ui/PageHeader';
import { Empty, QueryState } from '../../ui/QueryState';
import { StatusBadge } from '../../ui/StatusBadge';
import { usePolling } from '../../ui/usePolling';
import { DatasetDocument, DeleteDatasetDocument } from './datasets.operations';
import { BaselinesPanel } from './BaselinesPanel';
import { COMPARABLE_METRICS } from './baseline-metrics';
import { DatasetFiles } from './DatasetFiles';
import { DatasetStats } from './DatasetStats';
import { RowErrors } from './RowErrors';

type Dataset = NonNullable<DatasetQuery['dataset']>;

function Preview({ rows }: { rows: readonly Record<string, unknown>[] }) {
  if (rows.length === 0) return <Empty title="No rows to preview." />;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return (
    <div className="table-wrap">
      <table>
        <caption>First {rows.length} rows</caption>
        <thead><tr>{columns.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>{columns.map((c) => <td key={c} className="cell-text">{String(row[c] ?? '')}</td>)}</tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Summary({ dataset }: { dataset: Dataset }) {
  return (
    <dl className="facts">
      <div><dt>Status</dt><dd><StatusBadge status={dataset.status} /></dd></div>
      <div><dt>Task</dt><dd>{titleCase(dataset.task)}</dd></div>
      <div><dt>Format</dt><dd>{dataset.format}</dd></div>
      <div><dt>Rows</dt><dd>{dataset.rowCount?.toLocaleString('en') ?? '—'}</dd></div>
      <div><dt>Size</dt><dd>{formatBytes(dataset.byteSize)}</dd></div>
      {dataset.splits && (
        <div><dt>Splits</dt><dd>{dataset.splits.train.toLocaleString('en')} train · {dataset.splits.validation.toLocaleString('en')} validation · {dataset.splits.test.toLocaleString('en')} test</dd></div>
      )}
      {dataset.files && (
        // Split files: which are in, so an unfinished upload says what it still waits for.
        <div><dt>Files</dt><dd><DatasetFiles files={dataset.files} /></dd></div>
      )}
      <div><dt>Uploaded</dt><dd>{formatDate(dataset.createdAt)}</dd></div>
      {dataset.sha256 && <div><dt>SHA-256</dt><dd><code className="hash">{dataset.sha256}</code></dd></div>}
      {dataset.columnMapping && (
        <div><dt>Columns</dt><dd>{Object.entries(dataset.columnMapping).map(([field, column]) => `${field} ← ${String(column)}`).join(', ')}</dd></div>
      )}
    </dl>
  );
}

function DatasetView({ dataset }: { dataset: Dataset }) {
  const viewer = useViewer();
  const navigate = useNavigate();
  const [deleting, remove] = useMutation(DeleteDatasetDocument);
  const [problem, setProblem] = useState<string | null>(null);
  const onDelete = async () => {
    const res = await remove({ id: dataset.id });
    if (res.error) return setProblem(problemText(describeError(res.error)));
    const payload = res.data?.deleteDataset;
    if (payload?.deletedDatasetId) return navigate('/datasets');
    setProblem(payload?.userErrors[0]?.message ?? 'The dataset could not be deleted.');
  };
  return (
    <>
      <PageHeader title={dataset.name}>
        {dataset.status === 'READY' && hasScope(viewer, 'runs:write') && (
          <Link className="button button-primary" to={`/runs/new?task=${dataset.task}&datasetId=${encodeURIComponent(dataset.id)}`}>Train a model</Link>
        )}
        {hasScope(viewer, 'datasets:write') && (
          <ConfirmButton label="Delete" question={`Delete ${dataset.name} and its file?`} busy={deleting.fetching} onConfirm={() => void onDelete()} />
        )}
      </PageHeader>
      <p className="breadcrumb"><Link to="/datasets">Datasets</Link> / {dataset.name}</p>
      {problem && <Alert>{problem}</Alert>}
      {dataset.status === 'FAILED' && (
        <Alert>This file was refused{dataset.failureReason ? `: ${dataset.failureReason}` : '.'} {dataset.errorCount.toLocaleString('en')} row error(s).</Alert>
      )}
      <section className="panel" aria-label="Summary"><Summary dataset={dataset} /></section>
      {dataset.errors.length > 0 && (
        <section className="panel" aria-label="Row errors"><RowErrors errors={dataset.errors} total={dataset.errorCount} /></section>
      )}
      {dataset.stats && dataset.status === 'READY' && (
        <section className="panel" aria-labelledby="stats-title">
          <h2 id="stats-title">Statistics</h2>
          <DatasetStats stats={dataset.stats} />
        </section>
      )}
      {dataset.status === 'READY' && COMPARABLE_METRICS[dataset.task] && (
        <BaselinesPanel datasetId={dataset.id} task={dataset.task} canRun={hasScope(viewer, 'runs:write')} />
      )}
      {dataset.status === 'READY' && (
        <section className="panel" aria-labelledby="preview-title">
          <h2 id="preview-title">Preview</h2>
          <Preview rows={dataset.preview} />
        </section>
      )}
    </>
  );
}

export function DatasetPage() {
  const { id = '' } = useParams();
  const [result, reexecute] = useQuery({ query: DatasetDocument, variables: { id } });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const status = result.data?.dataset?.status;
  usePolling(status === 'UPLOADING' || status === 'PROCESSING', refresh);
  return (
    <QueryState result={result} retry={refresh}>
      {({ dataset }) => (dataset ? <DatasetView dataset={dataset} /> : <Empty title="This dataset does not exist." />)}
    </QueryState>
  );
}

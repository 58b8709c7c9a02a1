import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useSubscription } from 'urql';
import { describeError, problemText } from '../../api/errors';
import { hasScope, useViewer } from '../../app/viewer';
import type { RunLiveFragment, RunMetricLoggedSubscription, RunMetricLoggedSubscriptionVariables, RunQuery, RunStatus } from '../../gql/graphql';
import { Alert } from '../../ui/Alert';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { formatDate, formatDuration, formatNumber, titleCase } from '../../ui/format';
import { PageHeader } from '../../ui/PageHeader';
import { ProgressBar } from '../../ui/ProgressBar';
import { Empty, QueryState } from '../../ui/QueryState';
import { ProviderBadge } from '../../ui/ProviderBadge';
import { StatusBadge } from '../../ui/StatusBadge';
import { MetricChart } from './MetricChart';
import { RunEvents } from './RunEvents';
import { epochText, isActive } from './run-status';
import { CancelRunDocument, RunDocument, RunMetricLoggedDocument, RunUpdatedDocument } from './runs.operations';
import { chartGroups, mergeSeries, type LivePoint } from './series';
import { StatusTimeline } from './StatusTimeline';

type Run = NonNullable<RunQuery['run']>;

function Evaluation({ evaluation }: { evaluation: NonNullable<RunLiveFragment['evaluation']> }) {
  return (
    <section className="panel" aria-labelledby="evaluation-title">
      <h2 id="evaluation-title">Evaluation on the {evaluation.split} split</h2>
      <div className="table-wrap">
        <table>
          <thead><tr><th scope="col">Metric</th><th scope="col" className="num">Model</th><th scope="col" className="num">Baseline</th></tr></thead>
          <tbody>
            {Object.entries(evaluation.metrics).map(([name, value]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td className="num">{typeof value === 'number' ? formatNumber(value) : String(value)}</td>
                <td className="num">{typeof evaluation.baseline[name] === 'number' ? formatNumber(evaluation.baseline[name] as number) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Progress({ run }: { run: RunLiveFragment & { provider: Run['provider'] } }) {
  const p = run.progress;
  return (
    <section className="panel" aria-labelledby="progress-title">
      <h2 id="progress-title" className="visually-hidden">Progress</h2>
      {p ? (
        <ProgressBar
          label="Training progress"
          value={p.step}
          max={Math.max(p.totalSteps, 1)}
          text={`${epochText(p)} · step ${p.step} / ${p.totalSteps}${isActive(run.status) && p.etaSeconds != null ? ` · about ${formatDuration(p.etaSeconds)} left` : ''}`}
        />
      ) : (
        <p className="hint">{isActive(run.status) ? 'Waiting for the trainer to report progress…' : 'No progress was reported.'}</p>
      )}
      <dl className="facts">
        <div><dt>GPU time so far</dt><dd>{formatDuration(run.gpuSeconds)} <small>({formatNumber(run.gpuSeconds, 3)} GPU-s, {run.gpus} GPU{run.gpus === 1 ? '' : 's'})</small></dd></div>
        <div><dt>Attempt</dt><dd>{run.attempt} of {run.maxAttempts}</dd></div>
        {run.provider === 'OPENAI' ? (
          <div><dt>OpenAI job</dt><dd>{run.providerJobId ? <code>{run.providerJobId}</code> : <span className="hint">not submitted yet</span>}</dd></div>
        ) : (
          <div><dt>Backend</dt><dd>{run.backend ?? '—'}</dd></div>
        )}
        <div><dt>Started</dt><dd>{formatDate(run.startedAt)}</dd></div>
        <div><dt>Finished</dt><dd>{formatDate(run.finishedAt)}</dd></div>
        {run.modelVersion && <div><dt>Model version</dt><dd>v{run.modelVersion.version}</dd></div>}
      </dl>
    </section>
  );
}

/**
 * The run page. Live state: runUpdated replaces the run's changing fields; runMetricLogged adds
 * points. Each status change re-reads the run once, so points logged before the subscription
 * started (or while it was reconnecting) are filled in from the server.
 */
function RunView({ run: stored, reload }: { run: Run; reload: () => void }) {
  const viewer = useViewer();
  const [updated] = useSubscription({ query: RunUpdatedDocument, variables: { id: stored.id }, pause: !isActive(stored.status) });
  const [logged] = useSubscription<RunMetricLoggedSubscription, LivePoint[], RunMetricLoggedSubscriptionVariables>(
    { query: RunMetricLoggedDocument, variables: { runId: stored.id }, pause: !isActive(stored.status) },
    (points = [], data) => [...points, data.runMetricLogged],
  );
  const [cancelled, cancel] = useMutation(CancelRunDocument);
  const [problem, setProblem] = useState<string | null>(null);
  const run: Run = { ...stored, ...updated.data?.runUpdated, ...cancelled.data?.cancelRun.run };
  const liveStatus = updated.data?.runUpdated.status;
  useEffect(() => {
    if (liveStatus) reload();
  }, [liveStatus, reload]);
  const series = useMemo(() => mergeSeries(stored.metrics, logged.data ?? []), [stored.metrics, logged.data]);
  const groups = chartGroups(series);
  const times: Partial<Record<RunStatus, string>> = { QUEUED: run.createdAt, ...(run.startedAt ? { RUNNING: run.startedAt } : {}) };
  if (run.finishedAt) times[run.status] = run.finishedAt;

  const onCancel = async () => {
    setProblem(null);
    const res = await cancel({ id: run.id });
    if (res.error) setProblem(problemText(describeError(res.error)));
    else if (res.data?.cancelRun.userErrors.length) setProblem(res.data.cancelRun.userErrors[0].message);
  };

  return (
    <>
      <PageHeader title={run.modelName}>
        {isActive(run.status) && hasScope(viewer, 'runs:write') && (
          <ConfirmButton label="Cancel run" question="Stop this run? Checkpoints and metrics stay." confirmLabel="Stop it" busy={cancelled.fetching} onConfirm={() => void onCancel()} />
        )}
      </PageHeader>
      <p className="breadcrumb">
        <Link to="/runs">Runs</Link> / {run.modelName} · {titleCase(run.task)} · <StatusBadge status={run.status} /><ProviderBadge provider={run.provider} />
        {run.dataset && <> · dataset <Link to={`/datasets/${run.dataset.id}`}>{run.dataset.name}</Link></>}
        {run.baseModel && <> · base {run.baseModel}</>}
      </p>
      {problem && <Alert>{problem}</Alert>}
      {(updated.error || logged.error) && <Alert tone="notice">Live updates paused: {problemText(describeError((updated.error ?? logged.error)!))}</Alert>}
      <StatusTimeline status={run.status} attempt={run.attempt} times={times} />
      {run.error && <Alert>{run.error.code}: {run.error.message}</Alert>}
      <Progress run={run} />
      <section className="panel" aria-labelledby="charts-title">
        <h2 id="charts-title">Metrics</h2>
        {groups.length === 0 ? (
          <Empty title={isActive(run.status) ? 'No metric points yet: they appear here as the trainer logs them.' : 'This run logged no metrics.'} />
        ) : (
          <div className="charts">{groups.map((g) => <MetricChart key={g.title} title={g.title} series={g.series} />)}</div>
        )}
      </section>
      {run.evaluation && <Evaluation evaluation={run.evaluation} />}
      <details className="panel">
        <summary>Hyperparameters</summary>
        <pre className="json">{JSON.stringify(run.hyperparameters, null, 2)}</pre>
      </details>
      <RunEvents runId={run.id} version={`${run.status}/${run.attempt}`} />
    </>
  );
}

export function RunPage() {
  const { id = '' } = useParams();
  const [result, reexecute] = useQuery({ query: RunDocument, variables: { id } });
  const retry = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  return (
    <QueryState result={result} retry={retry}>
      {({ run }) => (run ? <RunView key={run.id} run={run} reload={retry} /> : <Empty title="This run does not exist." />)}
    </QueryState>
  );
}

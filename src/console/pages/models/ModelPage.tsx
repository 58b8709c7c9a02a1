import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { describeError, problemText } from '../../api/errors';
import { hasScope, useViewer } from '../../app/viewer';
import type { ModelQuery } from '../../gql/graphql';
import { Alert } from '../../ui/Alert';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { formatDate, formatNumber, titleCase } from '../../ui/format';
import { PageHeader } from '../../ui/PageHeader';
import { Empty, QueryState } from '../../ui/QueryState';
import { ModelDocument, SetModelAliasDocument } from './models.operations';
import { Playground } from './Playground';
import { VersionServing } from './VersionServing';

type Model = Extract<NonNullable<ModelQuery['node']>, { versions: unknown }>;
type Version = Model['versions']['nodes'][number];

function metricText(value: unknown): string {
  return typeof value === 'number' ? formatNumber(value) : value === undefined || value === null ? '—' : String(value);
}

/** Test metrics of one version, each beside the baseline's. */
function Metrics({ version }: { version: Version }) {
  const ev = version.evaluation;
  if (!ev) return <span className="hint">no evaluation</span>;
  const entries = Object.entries(ev.metrics as Record<string, unknown>);
  if (!entries.length) return <span className="hint">no metrics</span>;
  return (
    <ul className="metric-list">
      {entries.map(([name, value]) => (
        <li key={name}>
          <span className="metric-name">{name}</span> <strong>{metricText(value)}</strong>{' '}
          <span className="hint">baseline {metricText((ev.baseline as Record<string, unknown>)[name])}</span>
        </li>
      ))}
    </ul>
  );
}

/** Moves an alias (default `production`) to a version, asked twice; says where it pointed before so a rollback is one click. */
function MoveAlias({ model, reload }: { model: Model; reload: () => void }) {
  const versions = model.versions.nodes.filter((v) => v.id);
  const [alias, setAlias] = useState('production');
  const [versionId, setVersionId] = useState(versions[0]?.id ?? '');
  const [state, setModelAlias] = useMutation(SetModelAliasDocument);
  const [problem, setProblem] = useState<string | null>(null);
  const [moved, setMoved] = useState<{ alias: string; to: number; previous: { id: string; version: number } | null } | null>(null);
  const target = versions.find((v) => v.id === versionId);

  const move = async (name: string, id: string) => {
    setProblem(null);
    const res = await setModelAlias({ modelId: model.id, alias: name, versionId: id });
    if (res.error) return setProblem(problemText(describeError(res.error)));
    const payload = res.data?.setModelAlias;
    if (payload?.userErrors.length) return setProblem(payload.userErrors.map((e) => e.message).join(' '));
    if (payload?.alias) setMoved({ alias: payload.alias.name, to: payload.alias.version.version, previous: payload.previousVersion ?? null });
    reload();
  };

  return (
    <>
      <div className="form-grid">
        <label className="field">
          Alias
          <input value={alias} onChange={(e) => setAlias(e.target.value)} list="alias-names" autoComplete="off" />
          <datalist id="alias-names">
            <option value="production" /><option value="staging" />
            {model.aliases.map((a) => <option key={a.name} value={a.name} />)}
          </datalist>
        </label>
        <label className="field">
          Version
          <select value={versionId} onChange={(e) => setVersionId(e.target.value)}>
            {versions.map((v) => <option key={v.id} value={v.id}>v{v.version}</option>)}
          </select>
        </label>
        <div className="form-actions">
          <ConfirmButton
            label={`Move ${alias || 'alias'}`}
            question={`Point ${alias} at v${target?.version ?? '?'}? Apps calling ${alias} get it at once.`}
            confirmLabel="Move it"
            disabled={!alias.trim() || !target}
            busy={state.fetching}
            onConfirm={() => void move(alias.trim(), versionId)}
          />
        </div>
      </div>
      {problem && <Alert>{problem}</Alert>}
      {moved && (
        <Alert tone="success">
          <span data-testid="alias-moved">{moved.alias} now points to v{moved.to}{moved.previous ? ` (it was v${moved.previous.version})` : ' (it was not set before)'}.</span>{' '}
          {moved.previous && moved.previous.version !== moved.to && (
            <ConfirmButton
              label={`Roll back to v${moved.previous.version}`}
              question={`Point ${moved.alias} back at v${moved.previous.version}?`}
              confirmLabel="Roll back"
              busy={state.fetching}
              onConfirm={() => void move(moved.alias, moved.previous!.id)}
            />
          )}
        </Alert>
      )}
    </>
  );
}

function ModelView({ model, reload }: { model: Model; reload: () => void }) {
  const viewer = useViewer();
  const [pick, setPick] = useState('');
  const versions = model.versions.nodes;
  const defaultTarget = model.aliases.find((a) => a.name === 'production')?.version.version ?? versions[0]?.version;
  return (
    <>
      <PageHeader title={model.name} />
      <p className="breadcrumb"><Link to="/models">Models</Link> / {model.name} · {titleCase(model.task)} · created {formatDate(model.createdAt)}</p>

      <section className="panel" aria-labelledby="aliases-title">
        <h2 id="aliases-title">Aliases</h2>
        {model.aliases.length === 0 ? (
          <p className="hint">No aliases yet: calls without one get the newest version.</p>
        ) : (
          <ul className="alias-list">
            {model.aliases.map((a) => (
              <li key={a.name}><code className="scope">{a.name}</code> → v{a.version.version} <span className="hint">since {formatDate(a.updatedAt)}</span></li>
            ))}
          </ul>
        )}
        {hasScope(viewer, 'models:write') ? <MoveAlias model={model} reload={reload} /> : <p className="hint">Moving aliases needs the models:write permission.</p>}
      </section>

      <section className="panel" aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        {versions.length === 0 ? (
          <Empty title="No live versions." />
        ) : (
          <div className="table-wrap">
            <table aria-label="Versions">
              <thead>
                <tr>
                  <th scope="col">Version</th><th scope="col">Test metrics (beside the baseline)</th><th scope="col">Parent</th><th scope="col">Served from</th>
                  <th scope="col" className="wide-only">Dataset</th><th scope="col" className="wide-only">Created</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.id}>
                    <td>
                      v{v.version}{' '}
                      {v.aliases.map((a) => <code key={a} className="scope">{a}</code>)}
                      {v.run && <><br /><Link className="hint" to={`/runs/${v.run.id}`}>its run</Link></>}
                    </td>
                    <td><Metrics version={v} /></td>
                    <td>{v.parent ? (v.parent.model.id === model.id ? `v${v.parent.version}` : <Link to={`/models/${encodeURIComponent(v.parent.model.id)}`}>{v.parent.model.name} v{v.parent.version}</Link>) : <span className="hint">base model</span>}</td>
                    <td><VersionServing version={v} /></td>
                    <td className="wide-only">{v.datasetSha256 ? <code title={v.datasetSha256}>{v.datasetSha256.slice(0, 12)}</code> : '—'}</td>
                    <td className="wide-only">{formatDate(v.createdAt)}{v.createdBy && <><br /><span className="hint">{v.createdBy.email}</span></>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="playground-title">
        <h2 id="playground-title">Playground</h2>
        <div className="filters">
          <label>
            Version{' '}
            <select value={pick} onChange={(e) => setPick(e.target.value)}>
              <option value="">{`default (${model.aliases.some((a) => a.name === 'production') ? 'production' : 'newest'}: v${defaultTarget ?? '?'})`}</option>
              {versions.map((v) => <option key={v.id} value={v.id}>v{v.version}</option>)}
            </select>
          </label>
        </div>
        {versions.length === 0 ? (
          <p className="hint">No version to call.</p>
        ) : (
          <Playground key={pick} task={model.task} modelRef={pick ? { versionId: pick } : { id: model.id }} canInvoke={hasScope(viewer, 'models:invoke')} />
        )}
      </section>
    </>
  );
}

export function ModelPage() {
  const { id = '' } = useParams();
  const [result, reexecute] = useQuery({ query: ModelDocument, variables: { id } });
  const retry = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  return (
    <QueryState result={result} retry={retry}>
      {({ node }) => (node && 'versions' in node ? <ModelView key={node.id} model={node} reload={retry} /> : <Empty title="This model does not exist." />)}
    </QueryState>
  );
}

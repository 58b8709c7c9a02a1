import { useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { describeError, fieldErrors, problemText } from '../../api/errors';
import type { LaunchOptionsQuery, Provider, Task } from '../../gql/graphql';
import { Alert } from '../../ui/Alert';
import { Field } from '../../ui/Field';
import { PageHeader } from '../../ui/PageHeader';
import { Empty, QueryState } from '../../ui/QueryState';
import { TASKS } from '../datasets/dataset-options';
import { changedHyperparameters, newIdempotencyKey, toDraft, type Drafts } from './hyperparameters';
import { OpenAiFields, ProviderChoice, type OpenAiValues } from './OpenAiFields';
import { DEFAULT_OPENAI_BASE_MODEL, OPENAI_TASKS, openAiHyperparameters } from './openai-options';
import { LaunchOptionsDocument, LaunchRunDocument } from './runs.operations';

type Base = { kind: 'preset'; name: string } | { kind: 'parent'; versionId: string };

function HyperparameterFields({ defaults, drafts, errors, onChange }: { defaults: Record<string, unknown>; drafts: Drafts; errors: Record<string, string>; onChange: (key: string, value: string) => void }) {
  return (
    <fieldset className="form-grid hyperparameters">
      <legend>Hyperparameters</legend>
      {Object.entries(defaults).map(([key, value]) => (
        <Field key={key} label={key} error={errors[`hyperparameters.${key}`]} hint={`default ${toDraft(value) || '(none)'}`}>
          {(p) =>
            typeof value === 'boolean' ? (
              <select {...p} value={drafts[key] ?? toDraft(value)} onChange={(e) => onChange(key, e.target.value)}>
                <option value="true">true</option>
                <option value="false">false</option>
              </select>
            ) : (
              <input {...p} inputMode={typeof value === 'number' ? 'decimal' : undefined} value={drafts[key] ?? toDraft(value)} onChange={(e) => onChange(key, e.target.value)} />
            )
          }
        </Field>
      ))}
      {Object.entries(errors)
        .filter(([k]) => k.startsWith('hyperparameters.') && !(k.slice('hyperparameters.'.length) in defaults))
        .map(([k, message]) => <p key={k} className="field-error">{k.slice('hyperparameters.'.length)}: {message}</p>)}
    </fieldset>
  );
}

export function LaunchForm({ task, options, initialDatasetId }: { task: Task; options: LaunchOptionsQuery; initialDatasetId: string }) {
  const navigate = useNavigate();
  const presets = options.baseModels;
  const versions = options.runs.nodes.filter((r) => r.modelVersion);
  const [datasetId, setDatasetId] = useState(options.datasets.nodes.some((d) => d.id === initialDatasetId) ? initialDatasetId : (options.datasets.nodes[0]?.id ?? ''));
  const [modelName, setModelName] = useState('');
  const [base, setBase] = useState<Base>({ kind: 'preset', name: presets[0]?.name ?? '' });
  const [drafts, setDrafts] = useState<Drafts>({});
  const [gpus, setGpus] = useState('1');
  const [provider, setProvider] = useState<Provider>('LOCAL');
  const [openAi, setOpenAi] = useState<OpenAiValues>({ baseModel: DEFAULT_OPENAI_BASE_MODEL, systemPrompt: '', drafts: {} });
  const [idempotencyKey] = useState(newIdempotencyKey);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notConfigured, setNotConfigured] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [launching, launch] = useMutation(LaunchRunDocument);
  const defaults = useMemo(
    () => (base.kind === 'preset' ? presets.find((p) => p.name === base.name) : presets[0])?.defaultHyperparameters ?? {},
    [base, presets],
  );

  if (options.datasets.nodes.length === 0) {
    return <Empty title="No ready dataset for this task."><p><Link to="/datasets">Upload one</Link> first.</p></Empty>;
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    const local = {
      ...(base.kind === 'preset' ? { baseModel: base.name } : { parentVersionId: base.versionId }),
      hyperparameters: changedHyperparameters(drafts, defaults),
      gpus: Number(gpus) || undefined,
    };
    const openAiRun = {
      provider,
      baseModel: openAi.baseModel.trim(),
      ...(openAi.systemPrompt.trim() ? { systemPrompt: openAi.systemPrompt } : {}),
      hyperparameters: openAiHyperparameters(openAi.drafts),
    };
    const res = await launch({ input: { task, datasetId, modelName, idempotencyKey, ...(provider === 'OPENAI' ? openAiRun : local) } });
    if (res.error) return setProblem(problemText(describeError(res.error)));
    const payload = res.data?.launchRun;
    if (payload?.run) return navigate(`/runs/${payload.run.id}`);
    const byField = fieldErrors(payload?.userErrors ?? []);
    setErrors(byField);
    setNotConfigured((payload?.userErrors ?? []).some((u) => u.code === 'OPENAI_NOT_CONFIGURED'));
    if (byField['']) setProblem(byField['']);
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="panel">
      {OPENAI_TASKS.includes(task) && <ProviderChoice value={provider} error={errors.provider} notConfigured={notConfigured} onChange={setProvider} />}
      <div className="form-grid">
        <Field label="Dataset" error={errors.datasetId}>
          {(p) => (
            <select {...p} value={datasetId} onChange={(e) => setDatasetId(e.target.value)}>
              {options.datasets.nodes.map((d) => <option key={d.id} value={d.id}>{d.name} ({d.rowCount?.toLocaleString('en')} rows)</option>)}
            </select>
          )}
        </Field>
        <Field label="Model name" error={errors.modelName} hint="The model this run adds a version to (created on first use).">
          {(p) => <input {...p} value={modelName} onChange={(e) => setModelName(e.target.value)} required />}
        </Field>
        {provider === 'LOCAL' && (
          <>
            <Field label="Start from" error={errors.baseModel ?? errors.parentVersionId}>
              {(p) => (
                <select
                  {...p}
                  value={base.kind === 'preset' ? `preset:${base.name}` : `parent:${base.versionId}`}
                  onChange={(e) => {
                    const [kind, value] = [e.target.value.slice(0, e.target.value.indexOf(':')), e.target.value.slice(e.target.value.indexOf(':') + 1)];
                    setBase(kind === 'preset' ? { kind, name: value } : { kind: 'parent', versionId: value });
                    setDrafts({});
                  }}
                >
                  <optgroup label="Base models">
                    {presets.map((m) => <option key={m.name} value={`preset:${m.name}`}>{m.name}</option>)}
                  </optgroup>
                  {versions.length > 0 && (
                    <optgroup label="Fine-tune a version">
                      {versions.map((r) => <option key={r.id} value={`parent:${r.modelVersion!.id}`}>{r.modelName} v{r.modelVersion!.version}</option>)}
                    </optgroup>
                  )}
                </select>
              )}
            </Field>
            <Field label="GPUs" error={errors.gpus}>
              {(p) => <input {...p} inputMode="numeric" value={gpus} onChange={(e) => setGpus(e.target.value)} />}
            </Field>
          </>
        )}
      </div>
      {provider === 'LOCAL' && base.kind === 'preset' && <p className="hint">{presets.find((m) => m.name === base.name)?.description}</p>}
      {provider === 'OPENAI' && <OpenAiFields values={openAi} errors={errors} onChange={setOpenAi} />}
      {provider === 'LOCAL' && <HyperparameterFields defaults={defaults} drafts={drafts} errors={errors} onChange={(key, value) => setDrafts((d) => ({ ...d, [key]: value }))} />}
      {problem && <Alert>{problem}</Alert>}
      {!problem && Object.keys(errors).length > 0 && <Alert>Fix the marked fields: {Object.keys(errors).map((k) => k.replace(/^hyperparameters\./, '')).join(', ')}.</Alert>}
      <button type="submit" className="button button-primary" disabled={launching.fetching}>{launching.fetching ? 'Launching…' : 'Launch run'}</button>
    </form>
  );
}

export function LaunchRunPage() {
  const [params, setParams] = useSearchParams();
  const task = (TASKS.find((t) => t.value === params.get('task'))?.value ?? 'RECOMMENDATION') satisfies Task;
  const [result, reexecute] = useQuery({ query: LaunchOptionsDocument, variables: { task }, requestPolicy: 'cache-and-network' });
  return (
    <>
      <PageHeader title="Launch a run" />
      <p className="breadcrumb"><Link to="/runs">Runs</Link> / new</p>
      <div className="filters">
        <label>
          Task{' '}
          <select value={task} onChange={(e) => setParams({ task: e.target.value })}>
            {TASKS.map((t) => <option key={t.value} value={t.value}>{t.label}</option>)}
          </select>
        </label>
      </div>
      <QueryState result={result} retry={() => reexecute({ requestPolicy: 'network-only' })}>
        {(options) => <LaunchForm key={task} task={task} options={options} initialDatasetId={params.get('datasetId') ?? ''} />}
      </QueryState>
    </>
  );
}

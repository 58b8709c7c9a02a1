import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { describeError, fieldErrors, problemText } from '../../api/errors';
import { sendFile, type UploadResult } from '../../api/upload';
import type { DatasetFormat, DatasetOptionsInput, DatasetSplit, Task, TextEncoding } from '../../gql/graphql';
import { Alert } from '../../ui/Alert';
import { Field } from '../../ui/Field';
import { formatBytes } from '../../ui/format';
import { ProgressBar } from '../../ui/ProgressBar';
import { CreateDatasetUploadDocument } from './datasets.operations';
import { FORMATS, guessFormat, nameFromFile, TASKS } from './dataset-options';
import { DropZone } from './DropZone';
import { RowErrors } from './RowErrors';
import { chosenSplits, finalResult, SPLIT_MODES, type SplitFileSet, type SplitMode } from './split-mode';
import { SplitFilePickers, SplitFileProgress, type PartProgress } from './SplitFiles';

type Phase =
  | { step: 'idle' }
  | { step: 'sending'; sent: number; total: number }
  | { step: 'done'; result: UploadResult; total: number };

function Outcome({ result }: { result: UploadResult }) {
  const dataset = result.dataset;
  if (dataset?.status === 'READY') {
    return (
      <Alert tone="success">
        Validated: {dataset.rowCount?.toLocaleString('en')} rows, ready to train. <Link to={`/datasets/${dataset.id}`}>Open the dataset</Link>
      </Alert>
    );
  }
  if (dataset?.status === 'FAILED') {
    return (
      <div>
        <Alert>
          The file was refused{dataset.failureReason ? `: ${dataset.failureReason}` : ''}. {dataset.errorCount.toLocaleString('en')} row error(s).{' '}
          <Link to={`/datasets/${dataset.id}`}>See the dataset</Link>
        </Alert>
        <RowErrors errors={dataset.errors.slice(0, 10)} total={dataset.errorCount} />
      </div>
    );
  }
  if (result.status === 413) return <Alert>The file is larger than this upload accepts.</Alert>;
  return <Alert>{result.error ?? `The upload failed (HTTP ${result.status}).`}</Alert>;
}

/** Upload: pick or drop a file (or one per split), say its task and format, watch the bytes go, then see the validation result. */
export function UploadPanel({ onUploaded }: { onUploaded: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [task, setTask] = useState<Task>('RECOMMENDATION');
  const [format, setFormat] = useState<DatasetFormat>('CSV');
  const [header, setHeader] = useState<'auto' | 'yes' | 'no'>('auto');
  const [delimiter, setDelimiter] = useState('');
  const [encoding, setEncoding] = useState<TextEncoding | ''>('');
  const [phase, setPhase] = useState<Phase>({ step: 'idle' });
  const [splitMode, setSplitMode] = useState<SplitMode>('ratios');
  const [splitColumn, setSplitColumn] = useState('');
  const [splitFiles, setSplitFiles] = useState<SplitFileSet>({});
  const [parts, setParts] = useState<PartProgress[] | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [created, create] = useMutation(CreateDatasetUploadDocument);

  const pick = (next: File) => {
    setFile(next);
    setName(nameFromFile(next.name));
    setFormat(guessFormat(next.name) ?? format);
    setPhase({ step: 'idle' });
  };
  const pickSplit = (split: DatasetSplit, next: File) => {
    setSplitFiles((files) => ({ ...files, [split]: next }));
    if (!name || split === 'TRAIN') setName(nameFromFile(next.name));
    setFormat(guessFormat(next.name) ?? format);
    setPhase({ step: 'idle' });
    setParts(null);
  };
  const updatePart = (split: DatasetSplit, patch: Partial<PartProgress>) => setParts((ps) => ps?.map((p) => (p.split === split ? { ...p, ...patch } : p)) ?? null);

  /** Split files: one PUT per file, all at once, each with its own progress and answer. */
  const sendParts = async (uploads: readonly { split?: DatasetSplit | null; url: string; method: string; headers: Record<string, unknown> }[], total: number) => {
    const targets = uploads.flatMap((u) => (u.split && splitFiles[u.split] ? [{ ...u, split: u.split, file: splitFiles[u.split]! }] : []));
    setParts(targets.map((t) => ({ split: t.split, sent: 0, total: t.file.size, result: null })));
    const results = await Promise.all(
      targets.map(async (t) => {
        const result = await sendFile(t, t.file, (sent, size) => updatePart(t.split, { sent, total: size }));
        updatePart(t.split, { result });
        return result;
      }),
    );
    const final = finalResult(results);
    setPhase(final ? { step: 'done', result: final, total } : { step: 'idle' });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    const { splits, missing } = chosenSplits(splitFiles);
    if (splitMode === 'files' && missing) return setErrors({ splitFiles: missing });
    if (splitMode !== 'files' && !file) return setErrors({ file: 'Choose a file to upload.' });
    const options: DatasetOptionsInput = {
      ...(header !== 'auto' ? { hasHeader: header === 'yes' } : {}),
      ...(delimiter ? { delimiter } : {}),
      ...(encoding ? { encoding } : {}),
      ...(splitMode === 'column' ? { splitColumn: splitColumn.trim() } : {}),
    };
    const byteSize = splitMode === 'files' ? splits.reduce((sum, s) => sum + splitFiles[s]!.size, 0) : file!.size;
    const contentType = splitMode === 'files' ? undefined : file!.type || undefined;
    const res = await create({ input: { name, task, format, byteSize, contentType, options, ...(splitMode === 'files' ? { splitFiles: splits } : {}) } });
    if (res.error) return setProblem(problemText(describeError(res.error)));
    const payload = res.data?.createDatasetUpload;
    if (splitMode === 'files' && payload?.uploads.length) {
      setErrors({});
      onUploaded();
      await sendParts(payload.uploads, byteSize);
      return onUploaded();
    }
    if (!payload?.upload || !file) return setErrors(fieldErrors(payload?.userErrors ?? []));
    setErrors({});
    setPhase({ step: 'sending', sent: 0, total: file.size });
    onUploaded(); // the list shows the dataset as UPLOADING meanwhile
    const result = await sendFile(payload.upload, file, (sent, total) => setPhase({ step: 'sending', sent, total }));
    setPhase({ step: 'done', result, total: file.size });
    onUploaded();
  };

  const busy = created.fetching || phase.step === 'sending' || (parts?.some((p) => !p.result) ?? false);
  const taskHint = TASKS.find((t) => t.value === task)?.hint;
  return (
    <section className="panel" aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a dataset</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {splitMode === 'files' ? <SplitFilePickers files={splitFiles} onFile={pickSplit} /> : <DropZone id="dataset-file" file={file} onFile={pick} />}
        {errors.file && <p className="field-error">{errors.file}</p>}
        {(errors.splitFiles ?? errors['options.splitFiles']) && <p className="field-error">{errors.splitFiles ?? errors['options.splitFiles']}</p>}
        <div className="form-grid">
          <Field label="Name" error={errors.name}>
            {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}
          </Field>
          <Field label="Task" error={errors.task} hint={taskHint}>
            {(p) => (
              <select {...p} value={task} onChange={(e) => setTask(e.target.value as Task)}>
                {TASKS.map((t) => <option key={t.value} value={t.value}>{t.label}</option>)}
              </select>
            )}
          </Field>
          <Field label="Splits" error={errors['options.splits']} hint={SPLIT_MODES.find((m) => m.value === splitMode)?.hint}>
            {(p) => (
              <select {...p} value={splitMode} onChange={(e) => { setSplitMode(e.target.value as SplitMode); setParts(null); setPhase({ step: 'idle' }); }}>
                {SPLIT_MODES.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}
              </select>
            )}
          </Field>
          {splitMode === 'column' && (
            <Field label="Split column" error={errors['options.splitColumn']} hint='e.g. "split" (Hugging Face) or "ml_use"'>
              {(p) => <input {...p} value={splitColumn} onChange={(e) => setSplitColumn(e.target.value)} required />}
            </Field>
          )}
          <Field label="Format" error={errors.format}>
            {(p) => (
              <select {...p} value={format} onChange={(e) => setFormat(e.target.value as DatasetFormat)}>
                {FORMATS.map((f) => <option key={f} value={f}>{f}</option>)}
              </select>
            )}
          </Field>
        </div>
        <details className="advanced">
          <summary>Parsing options</summary>
          <div className="form-grid">
            <Field label="Header row" error={errors['options.hasHeader']}>
              {(p) => (
                <select {...p} value={header} onChange={(e) => setHeader(e.target.value as 'auto' | 'yes' | 'no')}>
                  <option value="auto">Detect</option>
                  <option value="yes">First row is a header</option>
                  <option value="no">No header</option>
                </select>
              )}
            </Field>
            <Field label="Delimiter" error={errors['options.delimiter']} hint='e.g. "@" for sentence@label files'>
              {(p) => <input {...p} value={delimiter} maxLength={1} onChange={(e) => setDelimiter(e.target.value)} />}
            </Field>
            <Field label="Encoding" error={errors['options.encoding']}>
              {(p) => (
                <select {...p} value={encoding} onChange={(e) => setEncoding(e.target.value as TextEncoding | '')}>
                  <option value="">UTF-8</option>
                  <option value="LATIN1">Latin-1</option>
                  <option value="WINDOWS_1252">Windows-1252</option>
                </select>
              )}
            </Field>
          </div>
        </details>
        {(problem || errors['']) && <Alert>{problem ?? errors['']}</Alert>}
        <button type="submit" className="button button-primary" disabled={busy}>{busy ? 'Uploading…' : 'Upload and validate'}</button>
      </form>
      {phase.step === 'sending' && (
        <ProgressBar
          label="Upload progress"
          value={phase.sent}
          max={phase.total}
          text={phase.sent >= phase.total ? 'Validating…' : `${formatBytes(phase.sent)} of ${formatBytes(phase.total)}`}
        />
      )}
      {parts && <SplitFileProgress parts={parts} />}
      {phase.step === 'done' && !parts && phase.result.status !== 0 && (
        <ProgressBar label="Upload progress" value={phase.total} max={phase.total} text={`${formatBytes(phase.total)} sent`} />
      )}
      {phase.step === 'done' && <Outcome result={phase.result} />}
    </section>
  );
}

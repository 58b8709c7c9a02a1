import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { describeError, fieldErrors, problemText } from '../../api/errors';
import { Alert } from '../../ui/Alert';
import { Field } from '../../ui/Field';
import { OpenAiKeyHint } from '../../ui/OpenAiKeyHint';
import { DEFAULT_BASELINE_MODEL, MAX_SHOTS } from './baseline-metrics';
import { EvaluateBaselineDocument } from './datasets.operations';

/** Starts a zero- or few-shot baseline; a missing OpenAI key comes back as OPENAI_NOT_CONFIGURED beside the model. */
export function BaselineForm({ datasetId, onStarted }: { datasetId: string; onStarted: () => void }) {
  const [model, setModel] = useState(DEFAULT_BASELINE_MODEL);
  const [shots, setShots] = useState('0');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notConfigured, setNotConfigured] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [state, evaluate] = useMutation(EvaluateBaselineDocument);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    const res = await evaluate({ input: { datasetId, model: model.trim(), shots: Number(shots) } });
    if (res.error) return setProblem(problemText(describeError(res.error)));
    const payload = res.data?.evaluateBaseline;
    const userErrors = payload?.userErrors ?? [];
    const byField = fieldErrors(userErrors);
    setErrors(byField);
    setNotConfigured(userErrors.some((u) => u.code === 'OPENAI_NOT_CONFIGURED'));
    if (byField['']) setProblem(byField['']);
    if (payload?.baseline) onStarted();
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Evaluate a baseline">
      <div className="form-grid">
        <Field label="OpenAI model" error={errors.model} hint={notConfigured ? <OpenAiKeyHint /> : 'A chat model id, e.g. gpt-4o-mini.'}>
          {(p) => <input {...p} value={model} onChange={(e) => setModel(e.target.value)} autoComplete="off" required />}
        </Field>
        <Field label="Examples in the prompt (shots)" error={errors.shots} hint="0 = zero-shot; up to 8 training rows shown first.">
          {(p) => (
            <select {...p} value={shots} onChange={(e) => setShots(e.target.value)}>
              {Array.from({ length: MAX_SHOTS + 1 }, (_, n) => <option key={n} value={n}>{n}</option>)}
            </select>
          )}
        </Field>
        <div className="form-actions">
          <button type="submit" className="button" disabled={state.fetching || !model.trim()}>{state.fetching ? 'Starting…' : 'Evaluate on the test split'}</button>
        </div>
      </div>
      {problem && <Alert>{problem}</Alert>}
    </form>
  );
}

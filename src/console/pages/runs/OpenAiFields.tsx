import { useId } from 'react';
import type { Provider } from '../../gql/graphql';
import { Field } from '../../ui/Field';
import { OpenAiKeyHint } from '../../ui/OpenAiKeyHint';
import { OPENAI_HYPERPARAMETERS, PROVIDERS, type OpenAiDrafts } from './openai-options';

/**
 * Who trains the run: radios with the server's `provider` error beside them; for OPENAI_NOT_CONFIGURED
 * (`notConfigured`) also where an admin sets the key.
 */
export function ProviderChoice({ value, error, notConfigured, onChange }: { value: Provider; error?: string; notConfigured?: boolean; onChange: (value: Provider) => void }) {
  const errorId = useId();
  const hintId = useId();
  const describedBy = [error ? errorId : null, error && notConfigured ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <fieldset className={`provider-choice${error ? ' field-invalid' : ''}`} aria-describedby={describedBy}>
      <legend>Trained by</legend>
      {PROVIDERS.map((p) => (
        <label key={p.value} className="checkbox">
          <input type="radio" name="provider" value={p.value} checked={value === p.value} onChange={() => onChange(p.value)} aria-invalid={error ? true : undefined} />{' '}
          {p.label} <span className="hint">{p.hint}</span>
        </label>
      ))}
      {error && <p className="field-error" id={errorId}>{error}</p>}
      {error && notConfigured && <p className="hint" id={hintId}><OpenAiKeyHint /></p>}
    </fieldset>
  );
}

export interface OpenAiValues {
  baseModel: string;
  systemPrompt: string;
  drafts: OpenAiDrafts;
}

/** The fields of an OpenAI run: the model to fine-tune, an optional system prompt, OpenAI's hyperparameters. */
export function OpenAiFields({ values, errors, onChange }: { values: OpenAiValues; errors: Record<string, string>; onChange: (values: OpenAiValues) => void }) {
  return (
    <>
      <div className="form-grid">
        <Field label="OpenAI base model" error={errors.baseModel} hint="A model OpenAI can fine-tune.">
          {(p) => <input {...p} value={values.baseModel} onChange={(e) => onChange({ ...values, baseModel: e.target.value })} autoComplete="off" />}
        </Field>
        <Field label="System prompt (optional)" error={errors.systemPrompt} hint="Replaces the task's prompt; classification prompts get the label list at {labels} or appended.">
          {(p) => <textarea {...p} rows={3} value={values.systemPrompt} onChange={(e) => onChange({ ...values, systemPrompt: e.target.value })} />}
        </Field>
      </div>
      <fieldset className="form-grid hyperparameters">
        <legend>OpenAI hyperparameters</legend>
        {OPENAI_HYPERPARAMETERS.map((key) => (
          <Field key={key} label={key} error={errors[`hyperparameters.${key}`]} hint="a number, or auto (OpenAI picks from the data)">
            {(p) => <input {...p} inputMode="decimal" placeholder="auto" value={values.drafts[key] ?? ''} onChange={(e) => onChange({ ...values, drafts: { ...values.drafts, [key]: e.target.value } })} />}
          </Field>
        ))}
      </fieldset>
    </>
  );
}

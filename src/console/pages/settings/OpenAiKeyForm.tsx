import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { describeError, fieldErrors, problemText } from '../../api/errors';
import { Alert } from '../../ui/Alert';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { Field } from '../../ui/Field';
import type { OpenAiSettings } from './key-source';
import { SetOpenAiApiKeyDocument } from './settings.operations';

/**
 * Sets, replaces or removes the tenant's OpenAI key. The key is write-only: the input is a
 * password field, cleared after saving, and nothing shows it back. A FORBIDDEN answer (no admin
 * scope) goes to `onForbidden` so that the page turns read-only.
 */
export function OpenAiKeyForm({ settings, onSaved, onForbidden }: { settings: OpenAiSettings; onSaved: (settings: OpenAiSettings) => void; onForbidden: () => void }) {
  const [apiKey, setApiKey] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [state, setKey] = useMutation(SetOpenAiApiKeyDocument);
  const hasOwn = settings.apiKeySource === 'TENANT';

  const send = async (value: string | null) => {
    setProblem(null);
    setDone(null);
    const res = await setKey({ input: { apiKey: value } });
    if (res.error) {
      const p = describeError(res.error);
      return p.kind === 'forbidden' ? onForbidden() : setProblem(problemText(p));
    }
    const payload = res.data?.setOpenAiApiKey;
    const byField = fieldErrors(payload?.userErrors ?? []);
    setErrors(byField);
    if (byField['']) setProblem(byField['']);
    if (!payload?.settings || payload.userErrors.length) return;
    setApiKey('');
    setDone(value === null ? 'Removed. This tenant has no key of its own now.' : `Saved. OpenAI calls use the key ending in …${payload.settings.apiKeyLast4 ?? ''}.`);
    onSaved(payload.settings);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void send(apiKey.trim());
  };

  return (
    <form onSubmit={submit} noValidate>
      <Field label="OpenAI API key" error={errors.apiKey} hint={hasOwn ? 'A new key replaces the current one.' : 'From platform.openai.com → API keys; it starts with sk-.'}>
        {(p) => (
          <input {...p} type="password" value={apiKey} onChange={(e) => setApiKey(e.target.value)} autoComplete="off" spellCheck={false} placeholder="sk-…" required />
        )}
      </Field>
      {problem && <Alert>{problem}</Alert>}
      {done && <Alert tone="success">{done}</Alert>}
      <div className="key-actions">
        <button type="submit" className="button button-primary" disabled={state.fetching || !apiKey.trim()}>
          {state.fetching ? 'Saving…' : hasOwn ? 'Replace key' : 'Save key'}
        </button>
        {hasOwn && (
          <ConfirmButton
            label="Remove"
            question="Remove this tenant's OpenAI key? OpenAI calls then use the platform's key, if there is one, or are refused."
            confirmLabel="Remove key"
            busy={state.fetching}
            onConfirm={() => void send(null)}
          />
        )}
      </div>
    </form>
  );
}

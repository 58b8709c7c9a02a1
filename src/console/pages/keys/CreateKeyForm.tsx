import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { describeError, fieldErrors, problemText } from '../../api/errors';
import { Alert } from '../../ui/Alert';
import { CopyButton } from '../../ui/CopyButton';
import { Field } from '../../ui/Field';
import { CreateApiKeyDocument } from './keys.operations';
import { SCOPES } from './scopes';

/** The secret of a new key, shown once. */
function SecretOnce({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  return (
    <div className="secret" role="status">
      <p><strong>{name}</strong> is ready. Copy its secret now: it is not shown again.</p>
      <p className="secret-row">
        <code className="secret-value" data-testid="api-key-secret">{secret}</code>
        <CopyButton text={secret} />
      </p>
      <button type="button" className="button" onClick={onDone}>I have stored it</button>
    </div>
  );
}

export function CreateKeyForm({ grantable, onCreated }: { grantable: readonly string[]; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [state, create] = useMutation(CreateApiKeyDocument);
  const canGrant = (scope: string) => grantable.includes('admin') || grantable.includes(scope);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    const res = await create({ input: { name, scopes } });
    if (res.error) return setProblem(problemText(describeError(res.error)));
    const payload = res.data?.createApiKey;
    if (payload?.secret && payload.apiKey) {
      setSecret({ name: payload.apiKey.name, secret: payload.secret });
      setName('');
      setScopes([]);
      setErrors({});
      return onCreated();
    }
    setErrors(fieldErrors(payload?.userErrors ?? []));
  };

  if (secret) return <SecretOnce {...secret} onDone={() => setSecret(null)} />;
  const scopeError = Object.entries(errors).find(([k]) => k.startsWith('scopes'))?.[1];
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Field label="Key name" error={errors.name} hint="Say which app uses it, e.g. “recommendations service”.">
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}
      </Field>
      <fieldset className="scopes" aria-describedby={scopeError ? 'scope-error' : undefined}>
        <legend>Scopes</legend>
        {SCOPES.map(({ scope, label }) => (
          <label key={scope} className="checkbox">
            <input
              type="checkbox"
              value={scope}
              disabled={!canGrant(scope)}
              checked={scopes.includes(scope)}
              onChange={(e) => setScopes((s) => (e.target.checked ? [...s, scope] : s.filter((x) => x !== scope)))}
            />
            <code>{scope}</code> <span className="hint">{label}</span>
          </label>
        ))}
        {scopeError && <p className="field-error" id="scope-error">{scopeError}</p>}
      </fieldset>
      {(problem || errors['']) && <Alert>{problem ?? errors['']}</Alert>}
      <button type="submit" className="button button-primary" disabled={state.fetching}>{state.fetching ? 'Creating…' : 'Create key'}</button>
    </form>
  );
}

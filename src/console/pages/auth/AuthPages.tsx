import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { logIn, signUp, type AuthOutcome } from '../../api/auth';
import { fieldErrors } from '../../api/errors';
import { useSession } from '../../api/session';
import { Alert } from '../../ui/Alert';
import { Field } from '../../ui/Field';

function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth">
      <div className="auth-card">
        <p className="brand">Tuneforge</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

/** Submits, shows field errors from userErrors, and on success goes where the user was headed. */
function useAuthForm(submit: () => Promise<AuthOutcome>) {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const outcome = await submit();
    setBusy(false);
    if (outcome.ok) {
      const next = params.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/datasets', { replace: true });
      return;
    }
    const byField = fieldErrors(outcome.userErrors);
    setErrors(byField);
    setMessage(outcome.message ?? byField[''] ?? (Object.keys(byField).length ? null : 'That did not work. Try again.'));
  };
  return { busy, errors, message, onSubmit, invitation: params.get('invitation') ?? undefined, query: params.toString() };
}

export function LogInPage() {
  const session = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const form = useAuthForm(() => logIn({ email, password, invitationToken: form.invitation }));
  if (session && !form.busy) return <Navigate to="/datasets" replace />;
  return (
    <AuthFrame title="Log in">
      {form.invitation && <Alert tone="notice">Log in to accept your invitation.</Alert>}
      <form onSubmit={(e) => void form.onSubmit(e)} noValidate>
        <Field label="Email" error={form.errors.email}>
          {(p) => <input {...p} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field label="Password" error={form.errors.password}>
          {(p) => <input {...p} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        {(form.message || form.errors.invitationToken) && <Alert>{form.message ?? form.errors.invitationToken}</Alert>}
        <button className="button button-primary" type="submit" disabled={form.busy}>{form.busy ? 'Logging in…' : 'Log in'}</button>
      </form>
      <p>New here? <Link to={`/signup${form.query ? `?${form.query}` : ''}`}>Create an account</Link></p>
    </AuthFrame>
  );
}

export function SignUpPage() {
  const session = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [tenantName, setTenantName] = useState('');
  const form = useAuthForm(() => signUp({ email, password, tenantName: form.invitation ? undefined : tenantName, invitationToken: form.invitation }));
  if (session && !form.busy) return <Navigate to="/datasets" replace />;
  return (
    <AuthFrame title="Create your account">
      {form.invitation && <Alert tone="notice">You are joining the tenant that invited you.</Alert>}
      <form onSubmit={(e) => void form.onSubmit(e)} noValidate>
        <Field label="Email" error={form.errors.email}>
          {(p) => <input {...p} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field label="Password" error={form.errors.password} hint="10 characters or more.">
          {(p) => <input {...p} type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        {!form.invitation && (
          <Field label="Organisation name" error={form.errors.tenantName} hint="Your tenant: datasets, runs, models and keys belong to it.">
            {(p) => <input {...p} autoComplete="organization" required value={tenantName} onChange={(e) => setTenantName(e.target.value)} />}
          </Field>
        )}
        {(form.message || form.errors.invitationToken) && <Alert>{form.message ?? form.errors.invitationToken}</Alert>}
        <button className="button button-primary" type="submit" disabled={form.busy}>{form.busy ? 'Creating…' : 'Sign up'}</button>
      </form>
      <p>Have an account? <Link to={`/login${form.query ? `?${form.query}` : ''}`}>Log in</Link></p>
    </AuthFrame>
  );
}

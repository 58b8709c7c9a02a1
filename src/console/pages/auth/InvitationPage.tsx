import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useMutation } from 'urql';
import { describeError, problemText } from '../../api/errors';
import { getSession, setSession, useSession } from '../../api/session';
import { AcceptInvitationDocument } from '../../app/app.operations';
import { Alert } from '../../ui/Alert';

/** /console/invitation?token=…: join the inviting tenant, signed in or by logging in / signing up with the token. */
export function InvitationPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const session = useSession();
  const navigate = useNavigate();
  const [result, accept] = useMutation(AcceptInvitationDocument);
  const [error, setError] = useState<string | null>(null);
  const carry = `invitation=${encodeURIComponent(token)}`;

  const join = async () => {
    const res = await accept({ token });
    const payload = res.data?.acceptInvitation;
    if (res.error) return setError(problemText(describeError(res.error)));
    if (!payload?.tenant) return setError(payload?.userErrors[0]?.message ?? 'The invitation could not be accepted.');
    const current = getSession();
    if (current) setSession({ ...current, tenantId: payload.tenant.id });
    navigate('/datasets');
  };

  return (
    <main className="auth">
      <div className="auth-card">
        <p className="brand">Tuneforge</p>
        <h1>Accept invitation</h1>
        {!token && <Alert>This link has no invitation token. Ask for a new invitation.</Alert>}
        {token && session && (
          <>
            <p>You are signed in as <strong>{session.email}</strong>. The invitation must be for this email.</p>
            {error && <Alert>{error}</Alert>}
            <button type="button" className="button button-primary" disabled={result.fetching} onClick={() => void join()}>
              {result.fetching ? 'Joining…' : 'Join the tenant'}
            </button>
          </>
        )}
        {token && !session && (
          <p>
            <Link className="button button-primary" to={`/signup?${carry}`}>Create an account</Link>{' '}
            or <Link to={`/login?${carry}`}>log in</Link> with the email the invitation was sent to.
          </p>
        )}
      </div>
    </main>
  );
}

import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { describeError, fieldErrors, problemText } from '../../api/errors';
import type { Role } from '../../gql/graphql';
import { Alert } from '../../ui/Alert';
import { CopyButton } from '../../ui/CopyButton';
import { Field } from '../../ui/Field';
import { InviteMemberDocument } from './members.operations';
import { ROLES } from './roles';

export function InviteForm({ canInviteOwner, onInvited }: { canInviteOwner: boolean; onInvited: () => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('MEMBER');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [sent, setSent] = useState<{ email: string; link: string } | null>(null);
  const [state, invite] = useMutation(InviteMemberDocument);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    const res = await invite({ input: { email, role } });
    if (res.error) return setProblem(problemText(describeError(res.error)));
    const payload = res.data?.inviteMember;
    if (payload?.token && payload.invitation) {
      setSent({ email: payload.invitation.email, link: `${location.origin}/console/invitation?token=${encodeURIComponent(payload.token)}` });
      setEmail('');
      setErrors({});
      return onInvited();
    }
    setErrors(fieldErrors(payload?.userErrors ?? []));
  };

  return (
    <>
      {sent && (
        <div className="secret" role="status">
          <p>Send this link to <strong>{sent.email}</strong>. It works once, for that email, for 7 days, and is not shown again.</p>
          <p className="secret-row">
            <code className="secret-value" data-testid="invitation-link">{sent.link}</code>
            <CopyButton text={sent.link} label="Copy link" />
          </p>
          <button type="button" className="button" onClick={() => setSent(null)}>Done</button>
        </div>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate className="form-grid">
        <Field label="Email" error={errors.email}>
          {(p) => <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />}
        </Field>
        <Field label="Role" error={errors.role}>
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.filter((r) => canInviteOwner || r.role !== 'OWNER').map((r) => <option key={r.role} value={r.role}>{r.label}</option>)}
            </select>
          )}
        </Field>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={state.fetching}>{state.fetching ? 'Inviting…' : 'Invite'}</button>
        </div>
      </form>
      {(problem || errors['']) && <Alert>{problem ?? errors['']}</Alert>}
    </>
  );
}

import { useCallback, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { describeError, problemText } from '../../api/errors';
import { logOut } from '../../api/auth';
import type { MembersQuery, Role } from '../../gql/graphql';
import { Alert } from '../../ui/Alert';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { formatDate } from '../../ui/format';
import { PageHeader } from '../../ui/PageHeader';
import { Empty, QueryState } from '../../ui/QueryState';
import { StatusBadge } from '../../ui/StatusBadge';
import { InviteForm } from './InviteForm';
import { MembersDocument, RemoveMemberDocument, UpdateMemberRoleDocument } from './members.operations';
import { ROLES } from './roles';

type Data = MembersQuery['viewer'];
type Member = Data['tenant']['members']['nodes'][number];

const LAST_OWNER = 'A tenant always keeps an owner: make someone else owner first.';

function MemberRow({ member, me, viewerRole, lastOwner, onChanged }: { member: Member; me: boolean; viewerRole: Role | null | undefined; lastOwner: boolean; onChanged: () => void }) {
  const [roleState, updateRole] = useMutation(UpdateMemberRoleDocument);
  const [removeState, remove] = useMutation(RemoveMemberDocument);
  const [problem, setProblem] = useState<string | null>(null);
  const isAdmin = viewerRole === 'OWNER' || viewerRole === 'ADMIN';
  const canEdit = isAdmin && !(member.role === 'OWNER' && viewerRole !== 'OWNER');

  const report = (error: Parameters<typeof describeError>[0] | undefined, userErrors: readonly { message: string }[] | undefined) => {
    if (error) return setProblem(problemText(describeError(error)));
    if (userErrors?.length) return setProblem(userErrors[0].message);
    setProblem(null);
    onChanged();
  };
  const onRole = async (role: Role) => {
    const res = await updateRole({ input: { membershipId: member.id, role } });
    report(res.error, res.data?.updateMemberRole.userErrors);
  };
  const onRemove = async () => {
    const res = await remove({ id: member.id });
    if (me && !res.error && !res.data?.removeMember.userErrors.length) return void logOut();
    report(res.error, res.data?.removeMember.userErrors);
  };

  return (
    <tr>
      <td>{member.user.email}{me && <span className="hint"> (you)</span>}</td>
      <td>
        {canEdit ? (
          <label>
            <span className="visually-hidden">Role of {member.user.email}</span>
            <select value={member.role} disabled={lastOwner || roleState.fetching} title={lastOwner ? LAST_OWNER : undefined} onChange={(e) => void onRole(e.target.value as Role)}>
              {ROLES.filter((r) => viewerRole === 'OWNER' || r.role !== 'OWNER' || member.role === 'OWNER').map((r) => <option key={r.role} value={r.role}>{r.label}</option>)}
            </select>
          </label>
        ) : (
          <StatusBadge status={member.role} />
        )}
        {lastOwner && <p className="hint">Last owner: cannot be demoted or removed.</p>}
      </td>
      <td>{formatDate(member.createdAt)}</td>
      <td>
        {(canEdit || me) && (
          <ConfirmButton
            label={me ? 'Leave' : 'Remove'}
            question={me ? 'Leave this tenant?' : `Remove ${member.user.email}?`}
            disabled={lastOwner}
            busy={removeState.fetching}
            onConfirm={() => void onRemove()}
          />
        )}
        {problem && <p className="field-error" role="alert">{problem}</p>}
      </td>
    </tr>
  );
}

function invitationState(i: Data['tenant']['invitations']['nodes'][number]): string {
  if (i.acceptedAt) return `accepted ${formatDate(i.acceptedAt)}`;
  if (Date.parse(i.expiresAt) < Date.now()) return 'expired';
  return `pending until ${formatDate(i.expiresAt)}`;
}

function MembersView({ data, refresh }: { data: Data; refresh: () => void }) {
  const members = data.tenant.members.nodes;
  const owners = members.filter((m) => m.role === 'OWNER').length;
  const isAdmin = data.role === 'OWNER' || data.role === 'ADMIN';
  const invitations = data.tenant.invitations.nodes;
  return (
    <>
      {isAdmin ? (
        <section className="panel" aria-labelledby="invite-title">
          <h2 id="invite-title">Invite someone</h2>
          <InviteForm canInviteOwner={data.role === 'OWNER'} onInvited={refresh} />
        </section>
      ) : (
        <Alert tone="notice">Only admins and owners invite, change roles and remove members.</Alert>
      )}
      <section aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        {owners === 1 && <p className="hint">{LAST_OWNER}</p>}
        <div className="table-wrap">
          <table>
            <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Joined</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {members.map((m) => (
                <MemberRow key={m.id} member={m} me={m.user.id === data.user?.id} viewerRole={data.role} lastOwner={m.role === 'OWNER' && owners === 1} onChanged={refresh} />
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="invitations-title">
        <h2 id="invitations-title">Invitations</h2>
        {invitations.length === 0 ? (
          <Empty title="No invitations sent." />
        ) : (
          <div className="table-wrap">
            <table>
              <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Sent</th><th scope="col">State</th></tr></thead>
              <tbody>
                {invitations.map((i) => (
                  <tr key={i.id}><td>{i.email}</td><td>{i.role.toLowerCase()}</td><td>{formatDate(i.createdAt)}</td><td>{invitationState(i)}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

export function MembersPage() {
  const [result, reexecute] = useQuery({ query: MembersDocument });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  return (
    <>
      <PageHeader title="Members" />
      <QueryState result={result} retry={refresh}>
        {({ viewer }) => <MembersView data={viewer} refresh={refresh} />}
      </QueryState>
    </>
  );
}

import { Client } from 'pg';
import { gql, PASSWORD, signUp, startTestApi, TestApi, uniqueEmail } from './helpers';

let t: TestApi;
beforeAll(async () => { t = await startTestApi(); });
afterAll(async () => { await t.stop(); });

const INVITE = `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { invitation { id email role } token userErrors { field code message } } }`;
const MEMBERS = `{ viewer { tenant { members(first: 50) { nodes { id role user { email } } } } } }`;
const ROLE = `mutation($input: UpdateMemberRoleInput!) { updateMemberRole(input: $input) { membership { role } userErrors { field code message } } }`;
const REMOVE = `mutation($id: ID!) { removeMember(id: $id) { membership { id } userErrors { field code message } } }`;

async function membersOf(token: string): Promise<{ id: string; role: string; user: { email: string } }[]> {
  return (await gql(t.url, MEMBERS, {}, { token })).data!.viewer.tenant.members.nodes;
}

describe('invitations and roles', () => {
  it('an invitation is redeemed by sign-up, once, and gives its role', async () => {
    const owner = await signUp(t.url);
    const email = uniqueEmail('new');
    const inv = (await gql(t.url, INVITE, { input: { email: email.toUpperCase(), role: 'ADMIN' } }, { token: owner.token })).data!.inviteMember;
    expect(inv.invitation).toMatchObject({ email, role: 'ADMIN' });
    expect(inv.token).toMatch(/^tfi_/);

    const joined = await signUp(t.url, { email, invitationToken: inv.token });
    expect(joined.tenantId).toBe(owner.tenantId);
    expect((await membersOf(owner.token)).map((m) => [m.user.email, m.role])).toEqual([[owner.email, 'OWNER'], [email, 'ADMIN']]);

    const reuse = await gql(t.url, `mutation($t: String!) { acceptInvitation(token: $t) { tenant { id } userErrors { field code } } }`, { t: inv.token }, { token: joined.token });
    expect(reuse.data!.acceptInvitation).toEqual({ tenant: null, userErrors: [{ field: ['token'], code: 'CONFLICT' }] });
  });

  it('an invitation cannot be redeemed by another email or after it expires', async () => {
    const owner = await signUp(t.url);
    const inv = (await gql(t.url, INVITE, { input: { email: uniqueEmail('intended'), role: 'MEMBER' } }, { token: owner.token })).data!.inviteMember;
    const stranger = await signUp(t.url);
    const wrong = await gql(t.url, `mutation($t: String!) { acceptInvitation(token: $t) { userErrors { field message } } }`, { t: inv.token }, { token: stranger.token });
    expect(wrong.data!.acceptInvitation.userErrors).toEqual([{ field: ['token'], message: 'invitation was sent to another email address' }]);

    const email = uniqueEmail('late');
    const late = (await gql(t.url, INVITE, { input: { email, role: 'MEMBER' } }, { token: owner.token })).data!.inviteMember;
    const db = new Client({ connectionString: process.env.TUNEFORGE_TEST_DATABASE_URL });
    await db.connect();
    await db.query(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE email = $1`, [email]);
    await db.end();
    const res = await gql(t.url, `mutation($input: SignUpInput!) { signUp(input: $input) { token userErrors { field message } } }`, { input: { email, password: PASSWORD, invitationToken: late.token } });
    expect(res.data!.signUp).toEqual({ token: null, userErrors: [{ field: ['invitationToken'], message: 'invitation has expired: ask for a new one' }] });
  });

  it('keeps at least one OWNER: the last owner can be neither demoted nor removed', async () => {
    const owner = await signUp(t.url);
    const [me] = await membersOf(owner.token);
    const demote = (await gql(t.url, ROLE, { input: { membershipId: me.id, role: 'ADMIN' } }, { token: owner.token })).data!.updateMemberRole;
    expect(demote.userErrors).toEqual([{ field: ['id'], code: 'CONFLICT', message: 'the last OWNER cannot be demoted: make another member OWNER first' }]);
    const leave = (await gql(t.url, REMOVE, { id: me.id }, { token: owner.token })).data!.removeMember;
    expect(leave.userErrors[0]).toMatchObject({ code: 'CONFLICT', message: 'the last OWNER cannot be removed: make another member OWNER first' });

    // With a second owner, the first may step down.
    const email = uniqueEmail('second');
    const inv = (await gql(t.url, INVITE, { input: { email, role: 'OWNER' } }, { token: owner.token })).data!.inviteMember;
    await signUp(t.url, { email, invitationToken: inv.token });
    const ok = (await gql(t.url, ROLE, { input: { membershipId: me.id, role: 'ADMIN' } }, { token: owner.token })).data!.updateMemberRole;
    expect(ok).toEqual({ membership: { role: 'ADMIN' }, userErrors: [] });
  });

  it('only an OWNER grants OWNER; a MEMBER cannot manage members at all', async () => {
    const owner = await signUp(t.url);
    const adminEmail = uniqueEmail('admin');
    const memberEmail = uniqueEmail('member');
    const a = (await gql(t.url, INVITE, { input: { email: adminEmail, role: 'ADMIN' } }, { token: owner.token })).data!.inviteMember;
    const m = (await gql(t.url, INVITE, { input: { email: memberEmail, role: 'MEMBER' } }, { token: owner.token })).data!.inviteMember;
    const admin = await signUp(t.url, { email: adminEmail, invitationToken: a.token });
    const member = await signUp(t.url, { email: memberEmail, invitationToken: m.token });

    const adminInvitesOwner = (await gql(t.url, INVITE, { input: { email: uniqueEmail(), role: 'OWNER' } }, { token: admin.token })).data!.inviteMember;
    expect(adminInvitesOwner.userErrors).toEqual([{ field: ['role'], code: 'FORBIDDEN_ROLE', message: 'only an OWNER can invite an OWNER' }]);
    const memberInvites = await gql(t.url, INVITE, { input: { email: uniqueEmail(), role: 'VIEWER' } }, { token: member.token });
    expect(memberInvites.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'admin' });

    const members = await membersOf(owner.token);
    const memberId = members.find((x) => x.user.email === memberEmail)!.id;
    const promote = (await gql(t.url, ROLE, { input: { membershipId: memberId, role: 'OWNER' } }, { token: admin.token })).data!.updateMemberRole;
    expect(promote.userErrors[0]).toMatchObject({ field: ['role'], code: 'BAD_USER_INPUT' });
    const removed = (await gql(t.url, REMOVE, { id: memberId }, { token: admin.token })).data!.removeMember;
    expect(removed.userErrors).toEqual([]);
    expect((await membersOf(owner.token)).map((x) => x.user.email)).toEqual([owner.email, adminEmail]);
    // The removed member's token no longer opens the tenant.
    const gone = await gql(t.url, `{ viewer { role } }`, {}, { token: member.token });
    expect(gone.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('pages members with cursors in creation order', async () => {
    const owner = await signUp(t.url);
    for (let i = 0; i < 3; i++) {
      const email = uniqueEmail(`p${i}`);
      const inv = (await gql(t.url, INVITE, { input: { email, role: 'VIEWER' } }, { token: owner.token })).data!.inviteMember;
      await signUp(t.url, { email, invitationToken: inv.token });
    }
    const all = await membersOf(owner.token);
    const page1 = (await gql(t.url, `{ viewer { tenant { members(first: 2) { nodes { id } pageInfo { hasNextPage endCursor } } } } }`, {}, { token: owner.token })).data!.viewer.tenant.members;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await gql(t.url, `query($after: String) { viewer { tenant { members(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage } } } } }`, { after: page1.pageInfo.endCursor }, { token: owner.token })).data!.viewer.tenant.members;
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect([...page1.nodes, ...page2.nodes].map((n: { id: string }) => n.id)).toEqual(all.map((m) => m.id));
  });
});

import { Client } from 'pg';
import { createApiKey, gql, signUp, startTestApi, TestApi, twoTenants, TestUser, uniqueEmail } from './helpers';

let t: TestApi;
let a: TestUser;
let b: TestUser;
let bIds: Record<string, string>;

beforeAll(async () => {
  t = await startTestApi();
  [a, b] = await twoTenants(t.url);
  // Give tenant B one object of every type.
  const key = await createApiKey(t.url, b.token, ['runs:read']);
  const invite = await gql(t.url, `mutation { inviteMember(input: {email: "${uniqueEmail('invitee')}", role: MEMBER}) { invitation { id } } }`, {}, { token: b.token });
  const members = await gql(t.url, `{ viewer { tenant { members(first: 5) { nodes { id user { id } } } } } }`, {}, { token: b.token });
  const member = members.data!.viewer.tenant.members.nodes[0];
  bIds = { Tenant: b.tenantId, User: member.user.id, Membership: member.id, ApiKey: key.id, Invitation: invite.data!.inviteMember.invitation.id };
});
afterAll(async () => { await t.stop(); });

describe('tenant isolation', () => {
  it.each(['Tenant', 'User', 'Membership', 'ApiKey', 'Invitation'])('node(id) of another tenant\'s %s is NOT_FOUND, exactly like a missing one', async (type) => {
    const foreign = await gql(t.url, `query Node($id: ID!) { node(id: $id) { id } }`, { id: bIds[type] }, { token: a.token });
    const missingId = Buffer.from(`${type}:00000000-0000-4000-8000-000000000000`).toString('base64');
    const missing = await gql(t.url, `query Node($id: ID!) { node(id: $id) { id } }`, { id: missingId }, { token: a.token });
    expect(foreign.data).toEqual({ node: null });
    expect(foreign.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(foreign.errors?.[0].message).toBe(missing.errors?.[0].message);
    // The owner sees it.
    const own = await gql(t.url, `query Node($id: ID!) { node(id: $id) { id } }`, { id: bIds[type] }, { token: b.token });
    expect(own.data).toEqual({ node: { id: bIds[type] } });
  });

  it('node(id) of a membership answers its role and user (joined in the same lookup)', async () => {
    const q = `query Node($id: ID!) { node(id: $id) { id ... on Membership { role user { id email } } } }`;
    const own = await gql(t.url, q, { id: bIds.Membership }, { token: b.token });
    expect(own.errors).toBeUndefined();
    expect(own.data).toEqual({ node: { id: bIds.Membership, role: 'OWNER', user: { id: bIds.User, email: b.email } } });
    const foreign = await gql(t.url, q, { id: bIds.Membership }, { token: a.token });
    expect(foreign.data).toEqual({ node: null });
    expect(foreign.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('mutations on another tenant\'s objects answer NOT_FOUND and change nothing', async () => {
    const revoke = await gql(t.url, `mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id } userErrors { field code } } }`, { id: bIds.ApiKey }, { token: a.token });
    expect(revoke.data!.revokeApiKey).toEqual({ apiKey: null, userErrors: [{ field: ['id'], code: 'NOT_FOUND' }] });
    const role = await gql(t.url, `mutation($id: ID!) { updateMemberRole(input: {membershipId: $id, role: VIEWER}) { membership { id } userErrors { field code } } }`, { id: bIds.Membership }, { token: a.token });
    expect(role.data!.updateMemberRole.userErrors).toEqual([{ field: ['id'], code: 'NOT_FOUND' }]);
    const remove = await gql(t.url, `mutation($id: ID!) { removeMember(id: $id) { userErrors { field code } } }`, { id: bIds.Membership }, { token: a.token });
    expect(remove.data!.removeMember.userErrors).toEqual([{ field: ['id'], code: 'NOT_FOUND' }]);

    const stillThere = await gql(t.url, `query($id: ID!) { node(id: $id) { ... on ApiKey { revokedAt } } }`, { id: bIds.ApiKey }, { token: b.token });
    expect(stillThere.data!.node.revokedAt).toBeNull();
    const ownerStill = await gql(t.url, `{ viewer { role } }`, {}, { token: b.token });
    expect(ownerStill.data!.viewer.role).toBe('OWNER');
  });

  it('X-Tenant-Id of a tenant the user is not a member of is NOT_FOUND', async () => {
    const res = await gql(t.url, `{ viewer { tenant { id } } }`, {}, { token: a.token, headers: { 'x-tenant-id': b.tenantId } });
    expect(res.status).toBe(404);
    expect(res.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('a key of tenant A lists only tenant A\'s members and keys', async () => {
    const members = await gql(t.url, `{ viewer { tenant { members(first: 100) { nodes { user { email } } } apiKeys(first: 100) { nodes { id } } } } }`, {}, { token: a.token });
    const emails = members.data!.viewer.tenant.members.nodes.map((n: { user: { email: string } }) => n.user.email);
    expect(emails).toEqual([a.email]);
    expect(members.data!.viewer.tenant.apiKeys.nodes.map((n: { id: string }) => n.id)).not.toContain(bIds.ApiKey);
  });

  it('row-level security is really on: raw SQL as the application role, set to tenant A, sees no row of tenant B', async () => {
    const db = new Client({ connectionString: process.env.TUNEFORGE_TEST_DATABASE_URL });
    await db.connect();
    const aId = Buffer.from(a.tenantId, 'base64').toString().split(':')[1];
    const bId = Buffer.from(b.tenantId, 'base64').toString().split(':')[1];
    try {
      // As the owner (no RLS) B's rows exist…
      const total = await db.query(`SELECT count(*)::int AS n FROM api_keys WHERE tenant_id = $1`, [bId]);
      expect(total.rows[0].n).toBeGreaterThan(0);
      // …but through the application role, in a transaction set to tenant A, not one is visible, even with an explicit WHERE.
      await db.query('BEGIN');
      await db.query(`SET LOCAL ROLE tuneforge_app`);
      await db.query(`SELECT set_config('app.tenant_id', $1, true)`, [aId]);
      for (const table of ['tenants', 'memberships', 'invitations', 'api_keys']) {
        const col = table === 'tenants' ? 'id' : 'tenant_id';
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${col} = $1`, [bId]);
        expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
      }
      const users = await db.query(`SELECT email FROM users`);
      expect(users.rows.map((r) => r.email)).toEqual([a.email]);
      // Writing a row into tenant B is refused by the policy's WITH CHECK.
      await expect(db.query(`INSERT INTO api_keys (tenant_id, name, prefix, secret_hash, scopes) VALUES ($1, 'x', 'evilprefix01', 'h', '{}')`, [bId])).rejects.toThrow(/row-level security/);
      await db.query('ROLLBACK');
      // With no tenant set at all, the role sees nothing.
      await db.query('BEGIN');
      await db.query(`SET LOCAL ROLE tuneforge_app`);
      const none = await db.query(`SELECT count(*)::int AS n FROM api_keys`);
      expect(none.rows[0].n).toBe(0);
      await db.query('ROLLBACK');
    } finally {
      await db.end();
    }
  });

  it('another tenant\'s API key cannot read this tenant through X-Tenant-Id', async () => {
    const key = await createApiKey(t.url, a.token, ['runs:read']);
    const res = await gql(t.url, `{ viewer { tenant { id } } }`, {}, { token: key.secret, headers: { 'x-tenant-id': b.tenantId } });
    expect(res.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('a user of two tenants switches with X-Tenant-Id and sees each tenant\'s own members', async () => {
    const invite = await gql(t.url, `mutation($e: String!) { inviteMember(input: {email: $e, role: VIEWER}) { token } }`, { e: a.email }, { token: b.token });
    const login = await gql(t.url, `mutation($input: LogInInput!) { logIn(input: $input) { token userErrors { code } } }`, {
      input: { email: a.email, password: 'correct horse battery staple', invitationToken: invite.data!.inviteMember.token },
    });
    const token = login.data!.logIn.token;
    const inB = await gql(t.url, `{ viewer { role tenant { id } tenants { id } } }`, {}, { token, headers: { 'x-tenant-id': b.tenantId } });
    expect(inB.data!.viewer.role).toBe('VIEWER');
    expect(inB.data!.viewer.tenant.id).toBe(b.tenantId);
    expect(inB.data!.viewer.tenants.map((x: { id: string }) => x.id).sort()).toEqual([a.tenantId, b.tenantId].sort());
    const inA = await gql(t.url, `{ viewer { role tenant { id } } }`, {}, { token, headers: { 'x-tenant-id': a.tenantId } });
    expect(inA.data!.viewer).toEqual({ role: 'OWNER', tenant: { id: a.tenantId } });
  });
});

describe('sign-up isolation', () => {
  it('a new tenant starts empty', async () => {
    const c = await signUp(t.url);
    const res = await gql(t.url, `{ viewer { tenant { members(first: 10) { nodes { role } } apiKeys(first: 10) { nodes { id } } invitations(first: 10) { nodes { id } } } } }`, {}, { token: c.token });
    expect(res.data!.viewer.tenant).toEqual({ members: { nodes: [{ role: 'OWNER' }] }, apiKeys: { nodes: [] }, invitations: { nodes: [] } });
  });
});

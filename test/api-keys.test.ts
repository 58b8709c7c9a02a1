import { Client } from 'pg';
import crypto from 'node:crypto';
import { createApiKey, gql, signUp, startTestApi, TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => { t = await startTestApi(); });
afterAll(async () => { await t.stop(); });

const VIEWER = `query { viewer { scopes apiKey { name prefix } user { email } tenant { id } } }`;

describe('API keys', () => {
  it('works as a Bearer token with its scopes, is refused past them, and stops working when revoked', async () => {
    const owner = await signUp(t.url);
    const key = await createApiKey(t.url, owner.token, ['models:invoke', 'datasets:read'], 'mobile app');
    expect(key.secret).toMatch(/^tfk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);

    const viewer = await gql(t.url, VIEWER, {}, { token: key.secret });
    expect(viewer.data!.viewer).toEqual({
      scopes: ['datasets:read', 'models:invoke'],
      apiKey: { name: 'mobile app', prefix: key.secret.slice(4, 16) },
      user: null,
      tenant: { id: owner.tenantId },
    });

    // Creating keys needs `admin`, which this key lacks.
    const forbidden = await gql(t.url, `mutation { createApiKey(input: {name: "x", scopes: ["admin"]}) { secret } }`, {}, { token: key.secret });
    expect(forbidden.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'admin' });
    expect(forbidden.data).toBeNull();

    const revoked = await gql(t.url, `mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } userErrors { code } } }`, { id: key.id }, { token: owner.token });
    expect(revoked.data!.revokeApiKey.apiKey.revokedAt).toEqual(expect.any(String));
    const after = await gql(t.url, VIEWER, {}, { token: key.secret });
    expect(after.status).toBe(401);
    expect(after.errors?.[0]).toMatchObject({ message: 'API key has been revoked', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('never returns the secret again and stores only its hash', async () => {
    const owner = await signUp(t.url);
    const key = await createApiKey(t.url, owner.token, ['runs:read']);
    const listed = await gql(t.url, `query { viewer { tenant { apiKeys(first: 10) { nodes { id name prefix scopes } } } } }`, {}, { token: owner.token });
    expect(JSON.stringify(listed)).not.toContain(key.secret.slice(17));
    const schema = await gql(t.url, `{ __type(name: "ApiKey") { fields { name } } }`);
    expect(schema.data!.__type.fields.map((f: { name: string }) => f.name)).not.toContain('secret');

    const db = new Client({ connectionString: process.env.TUNEFORGE_TEST_DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT * FROM api_keys WHERE prefix = $1`, [key.secret.slice(4, 16)]);
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows[0])).not.toContain(key.secret.slice(17));
      expect(rows[0].secret_hash).toBe(crypto.createHash('sha256').update(key.secret).digest('hex'));
    } finally {
      await db.end();
    }
  });

  it('cannot grant a scope its creator lacks, and names each bad scope', async () => {
    const owner = await signUp(t.url);
    const admin = await createApiKey(t.url, owner.token, ['admin', 'runs:read']);
    const res = await gql(t.url, `mutation { createApiKey(input: {name: "k", scopes: ["runs:read", "billing:read", "nope"]}) { secret userErrors { field code } } }`, {}, { token: admin.secret });
    expect(res.data!.createApiKey).toEqual({
      secret: null,
      userErrors: [
        { field: ['scopes', '1'], code: 'SCOPE_NOT_HELD' },
        { field: ['scopes', '2'], code: 'UNKNOWN_SCOPE' },
      ],
    });
  });

  it('records lastUsedAt when a key is used', async () => {
    const owner = await signUp(t.url);
    const key = await createApiKey(t.url, owner.token, ['runs:read']);
    await gql(t.url, VIEWER, {}, { token: key.secret });
    const res = await gql(t.url, `query($id: ID!) { node(id: $id) { ... on ApiKey { lastUsedAt } } }`, { id: key.id }, { token: owner.token });
    expect(Date.parse(res.data!.node.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
  });
});

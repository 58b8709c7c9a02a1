import jwt from 'jsonwebtoken';
import { gql, signUp, startTestApi, TEST_JWT_SECRET, TestApi, TestUser } from './helpers';

let t: TestApi;
let user: TestUser;
beforeAll(async () => {
  t = await startTestApi();
  user = await signUp(t.url);
});
afterAll(async () => { await t.stop(); });

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: (await res.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

async function stillUp() {
  expect((await fetch(`${t.base}/healthz`)).status).toBe(200);
}

describe('bad input gets a specific error and the process stays up', () => {
  it('malformed JSON body', async () => {
    const res = await post('{"query": "{ viewer { __typename } ');
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toMatchObject({ message: 'request body is not valid JSON', extensions: { code: 'BAD_USER_INPUT' } });
    await stillUp();
  });

  it('a 10 MB query string', async () => {
    const res = await post(JSON.stringify({ query: `{ viewer { __typename } }${' '.repeat(10 * 1024 * 1024)}` }));
    expect(res.status).toBe(413);
    expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0].message).toMatch(/exceeds \d+ bytes/);
    await stillUp();
  });

  it('an unknown operation name', async () => {
    const res = await post(JSON.stringify({ query: 'query A { viewer { __typename } }', operationName: 'B' }), { authorization: `Bearer ${user.token}` });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].message).toMatch(/Unknown operation named "B"/);
    await stillUp();
  });

  it('a field that does not exist and a variable of the wrong type', async () => {
    const unknown = await gql(t.url, `{ viewer { password } }`, {}, { token: user.token });
    expect(unknown.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const wrongType = await gql(t.url, `query($id: ID!) { node(id: $id) { id } }`, { id: { not: 'an id' } }, { token: user.token });
    expect(wrongType.status).toBe(400);
    expect(wrongType.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(wrongType.errors?.[0].message).toMatch(/\$id/);
    await stillUp();
  });

  it('an email that is not an email', async () => {
    const res = await gql(t.url, `mutation($input: SignUpInput!) { signUp(input: $input) { token userErrors { field message code } } }`, {
      input: { email: 'not-an-email', password: 'long enough password', tenantName: 'X' },
    });
    expect(res.data!.signUp).toEqual({ token: null, userErrors: [{ field: ['email'], message: '"not-an-email" is not an email address', code: 'INVALID_EMAIL' }] });
  });

  it('a query 50 levels deep is rejected before it runs', async () => {
    let inner = 'id';
    for (let i = 0; i < 17; i++) inner = `tenant { members(first: 1) { nodes { ${inner} } } }`;
    const res = await gql(t.url, `{ viewer { ${inner} } }`, {}, { token: user.token }); // 1 + 17 × 3 = 52 levels
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'MAX_DEPTH_EXCEEDED', maxDepth: 12 });
    expect(res.errors?.[0].extensions?.http).toBeUndefined();
    expect(res.errors?.[0].extensions?.depth).toBeGreaterThanOrEqual(50);
    expect(res.data ?? null).toBeNull();
    await stillUp();
  });

  it('a query whose cost exceeds the limit is rejected with its cost', async () => {
    const res = await gql(t.url, `{ viewer { tenant { members(first: 100) { nodes { tenant { members(first: 100) { nodes { id user { email } } } } } } } } }`, {}, { token: user.token });
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions?.code).toBe('MAX_COST_EXCEEDED');
    expect(res.errors?.[0].extensions?.cost).toMatchObject({ requestedQueryCost: expect.any(Number), maxCost: 1000 });
    expect(res.errors![0].extensions!.cost.requestedQueryCost).toBeGreaterThan(1000);
    expect(res.data ?? null).toBeNull();
  });

  it('a page size over 100 names the argument', async () => {
    const res = await gql(t.url, `{ viewer { tenant { members(first: 101) { nodes { id } } } } }`, {}, { token: user.token });
    expect(res.errors?.[0]).toMatchObject({ message: 'first must be between 1 and 100 (got 101)', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('an expired JWT and a forged JWT get distinct UNAUTHENTICATED answers', async () => {
    const claims = jwt.decode(user.token) as jwt.JwtPayload;
    const expired = jwt.sign({ tid: claims.tid, exp: Math.floor(Date.now() / 1000) - 10 }, TEST_JWT_SECRET, { subject: claims.sub, issuer: 'tuneforge', audience: 'tuneforge-api' });
    const forged = jwt.sign({ tid: claims.tid }, 'some-other-secret-some-other-secret-000', { subject: claims.sub, issuer: 'tuneforge', audience: 'tuneforge-api', expiresIn: 600 });
    const e = await gql(t.url, `{ viewer { __typename } }`, {}, { token: expired });
    const f = await gql(t.url, `{ viewer { __typename } }`, {}, { token: forged });
    const none = await gql(t.url, `{ viewer { __typename } }`, {}, { token: 'garbage' });
    expect([e.status, f.status, none.status]).toEqual([401, 401, 401]);
    expect(e.errors?.[0]).toMatchObject({ message: 'access token expired: refresh the session', extensions: { code: 'UNAUTHENTICATED' } });
    expect(f.errors?.[0]).toMatchObject({ message: 'access token is invalid', extensions: { code: 'UNAUTHENTICATED' } });
    expect(none.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    await stillUp();
  });

  it('a request without credentials cannot read the viewer', async () => {
    const res = await gql(t.url, `{ viewer { __typename } }`);
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a malformed global ID is NOT_FOUND, and a garbage cursor names the argument', async () => {
    const node = await gql(t.url, `{ node(id: "definitely-not-an-id") { id } }`, {}, { token: user.token });
    expect(node.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const cursor = await gql(t.url, `{ viewer { tenant { members(first: 5, after: "garbage") { nodes { id } } } } }`, {}, { token: user.token });
    expect(cursor.errors?.[0]).toMatchObject({ message: 'after is not a cursor returned by this connection', extensions: { code: 'BAD_USER_INPUT' } });
  });
});

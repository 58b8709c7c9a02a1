import { gql, PASSWORD, signUp, startTestApi, TestApi, uniqueEmail } from './helpers';

const LOG_IN = `mutation LogIn($input: LogInInput!) { logIn(input: $input) { token refreshToken userErrors { field message code } } }`;
const REFRESH = `mutation RefreshSession($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { token refreshToken userErrors { field message code } } }`;
const VIEWER = `query { viewer { user { email } tenant { name } role } }`;

let t: TestApi;
beforeAll(async () => { t = await startTestApi(); });
afterAll(async () => { await t.stop(); });

describe('sessions', () => {
  it('signs up, logs in, refreshes, and revokes the whole family when an old refresh token is reused', async () => {
    const user = await signUp(t.url, { tenantName: 'Acme' });
    const viewer = await gql(t.url, VIEWER, {}, { token: user.token });
    expect(viewer.data?.viewer).toEqual({ user: { email: user.email }, tenant: { name: 'Acme' }, role: 'OWNER' });

    const login = (await gql(t.url, LOG_IN, { input: { email: user.email.toUpperCase(), password: PASSWORD } })).data!.logIn;
    expect(login.userErrors).toEqual([]);
    expect(login.token).toEqual(expect.any(String));

    const first = (await gql(t.url, REFRESH, { refreshToken: login.refreshToken })).data!.refreshSession;
    expect(first.userErrors).toEqual([]);
    expect(first.refreshToken).not.toEqual(login.refreshToken);
    expect((await gql(t.url, VIEWER, {}, { token: first.token })).data?.viewer.user.email).toBe(user.email);

    // A thief replays the rotated token: refused, and the legitimate newer token dies with it.
    const replay = await gql(t.url, REFRESH, { refreshToken: login.refreshToken });
    expect(replay.data).toBeNull();
    expect(replay.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(replay.errors?.[0].message).toMatch(/already used/);
    const afterRevoke = await gql(t.url, REFRESH, { refreshToken: first.refreshToken });
    expect(afterRevoke.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    // The session from sign-up is another family and still works.
    const other = (await gql(t.url, REFRESH, { refreshToken: user.refreshToken })).data!.refreshSession;
    expect(other.token).toEqual(expect.any(String));
  });

  it('answers a wrong password and an unknown email the same way', async () => {
    const user = await signUp(t.url);
    const wrong = (await gql(t.url, LOG_IN, { input: { email: user.email, password: 'not the password' } })).data!.logIn;
    const unknown = (await gql(t.url, LOG_IN, { input: { email: uniqueEmail('nobody'), password: PASSWORD } })).data!.logIn;
    expect(wrong).toEqual({ token: null, refreshToken: null, userErrors: [{ field: null, message: 'email or password is incorrect', code: 'INVALID_CREDENTIALS' }] });
    expect(unknown).toEqual(wrong);
  });

  it('rejects a duplicate email, a short password and a missing tenant name with field errors', async () => {
    const user = await signUp(t.url);
    const dup = await gql(t.url, `mutation($input: SignUpInput!) { signUp(input: $input) { token userErrors { field code } } }`, { input: { email: user.email, password: PASSWORD, tenantName: 'X' } });
    expect(dup.data!.signUp).toEqual({ token: null, userErrors: [{ field: ['email'], code: 'CONFLICT' }] });
    const bad = await gql(t.url, `mutation($input: SignUpInput!) { signUp(input: $input) { userErrors { field code } } }`, { input: { email: uniqueEmail(), password: 'short' } });
    expect(bad.data!.signUp.userErrors).toEqual([
      { field: ['password'], code: 'PASSWORD_TOO_SHORT' },
      { field: ['tenantName'], code: 'INVALID' },
    ]);
  });

  it('logOut ends the session: its refresh token no longer works', async () => {
    const user = await signUp(t.url);
    await gql(t.url, `mutation($r: String!) { logOut(refreshToken: $r) { userErrors { code } } }`, { r: user.refreshToken });
    const res = await gql(t.url, REFRESH, { refreshToken: user.refreshToken });
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

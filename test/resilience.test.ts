import { gql, signUp, startTestApi, TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => { t = await startTestApi({ DATABASE_POOL_SIZE: '3' }); });
afterAll(async () => { await t.stop(); });

describe('resilience', () => {
  it('clients hanging up mid-request leak no database connection', async () => {
    const user = await signUp(t.url);
    const query = JSON.stringify({ query: '{ viewer { tenant { members(first: 50) { nodes { user { email } } } } } }' });
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 40 }, async (_, i) => {
        const abort = new AbortController();
        setTimeout(() => abort.abort(), (i * 3) % 120);
        await fetch(t.url, { method: 'POST', body: query, signal: abort.signal, headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` } }).then((r) => r.text(), () => null);
      }));
    }
    // With a pool of 3, a single leaked connection per round would starve these.
    const results = await Promise.all(Array.from({ length: 10 }, () => gql(t.url, '{ viewer { role } }', {}, { token: user.token })));
    expect(results.map((r) => r.data?.viewer.role)).toEqual(Array(10).fill('OWNER'));
  });
});

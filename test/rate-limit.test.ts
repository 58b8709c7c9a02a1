import { gql, signUp, startTestApi, TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => { t = await startTestApi({ RATE_LIMIT_CAPACITY: '40', RATE_LIMIT_RESTORE_RATE: '10' }); });
afterAll(async () => { await t.stop(); });

const QUERY = `{ viewer { tenant { members(first: 5) { nodes { id } } } } }`; // cost 1 + 1 + (2 + 5×1) = 9

describe('per-tenant leaky bucket', () => {
  it('reports the bucket in extensions.cost and throttles a burst with the time to retry', async () => {
    const user = await signUp(t.url);
    const first = await gql(t.url, QUERY, {}, { token: user.token });
    expect(first.extensions?.cost).toEqual({
      requestedQueryCost: 9,
      actualQueryCost: 9,
      throttleStatus: { maximumAvailable: 40, currentlyAvailable: expect.any(Number), restoreRate: 10 },
    });
    expect(first.extensions!.cost.throttleStatus.currentlyAvailable).toBeLessThanOrEqual(31);

    const burst = await Promise.all(Array.from({ length: 8 }, () => gql(t.url, QUERY, {}, { token: user.token })));
    const throttled = burst.filter((r) => r.errors?.[0]?.extensions?.code === 'THROTTLED');
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled[0].status).toBe(429);
    const err = throttled[0].errors![0];
    expect(err.message).toMatch(/rate limit exceeded: retry in \d+ ms/);
    expect(err.extensions!.retryAfterMs).toBeGreaterThan(0);
    expect(err.extensions!.retryAfterMs).toBeLessThanOrEqual(1000);
    expect(throttled[0].data ?? null).toBeNull();
    expect(throttled[0].extensions?.cost.throttleStatus.currentlyAvailable).toBeLessThan(9);

    // Waiting for the advertised time is enough.
    await new Promise((r) => setTimeout(r, err.extensions!.retryAfterMs + 50));
    const again = await gql(t.url, QUERY, {}, { token: user.token });
    expect(again.errors).toBeUndefined();
  });

  it('keeps one bucket per tenant: a throttled tenant does not slow another', async () => {
    const [noisy, quiet] = await Promise.all([signUp(t.url), signUp(t.url)]);
    await Promise.all(Array.from({ length: 8 }, () => gql(t.url, QUERY, {}, { token: noisy.token })));
    const res = await gql(t.url, QUERY, {}, { token: quiet.token });
    expect(res.errors).toBeUndefined();
    expect(res.extensions!.cost.throttleStatus.currentlyAvailable).toBe(31);
  });
});

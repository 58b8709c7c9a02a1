import { ModelRefCache } from './model-ref-cache';
import type { ResolvedModel } from './model-registry.service';

const resolved = (version: number) => ({ model: { id: 'm', name: 'rec', task: 'RECOMMENDATION' }, version: { id: `v${version}`, version } }) as unknown as ResolvedModel;

describe('ModelRefCache', () => {
  it('answers a repeated reference without loading, per tenant and per reference', async () => {
    const cache = new ModelRefCache(60_000);
    const load = jest.fn(async () => resolved(1));
    await cache.resolve('t1', { name: 'rec' }, load);
    await cache.resolve('t1', { name: 'rec' }, load);
    expect(load).toHaveBeenCalledTimes(1);
    await cache.resolve('t2', { name: 'rec' }, load); // another tenant's "rec" is another model
    await cache.resolve('t1', { name: 'rec', alias: 'staging' }, load);
    await cache.resolve('t1', { id: 'rec' }, load); // an id that happens to equal a name is not that name
    expect(load).toHaveBeenCalledTimes(4);
  });

  it('drops only the invalidated tenant, or everyone on a full invalidation', async () => {
    const cache = new ModelRefCache(60_000);
    let version = 1;
    const load = jest.fn(async () => resolved(version));
    await cache.resolve('t1', { name: 'rec' }, load);
    await cache.resolve('t2', { name: 'rec' }, load);
    version = 2;
    cache.invalidate('t1');
    expect((await cache.resolve('t1', { name: 'rec' }, load)).version.version).toBe(2);
    expect((await cache.resolve('t2', { name: 'rec' }, load)).version.version).toBe(1);
    cache.invalidate(null);
    expect((await cache.resolve('t2', { name: 'rec' }, load)).version.version).toBe(2);
  });

  it('does not keep an answer loaded before an invalidation that arrived while it loaded', async () => {
    const cache = new ModelRefCache(60_000);
    let finish!: () => void;
    const slow = cache.resolve('t1', { name: 'rec' }, () => new Promise<ResolvedModel>((ok) => (finish = () => ok(resolved(1)))));
    cache.invalidate('t1'); // e.g. an alias moved while the old answer was being read
    finish();
    expect((await slow).version.version).toBe(1);
    const load = jest.fn(async () => resolved(2));
    expect((await cache.resolve('t1', { name: 'rec' }, load)).version.version).toBe(2);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('expires entries, and caches nothing with a zero time-to-live or when loading fails', async () => {
    const off = new ModelRefCache(0);
    const load = jest.fn(async () => resolved(1));
    await off.resolve('t1', { name: 'rec' }, load);
    await off.resolve('t1', { name: 'rec' }, load);
    expect(load).toHaveBeenCalledTimes(2);

    const short = new ModelRefCache(30);
    const failing = jest.fn(async (): Promise<ResolvedModel> => { throw new Error('NOT_FOUND'); });
    await expect(short.resolve('t1', { name: 'new' }, failing)).rejects.toThrow('NOT_FOUND');
    await expect(short.resolve('t1', { name: 'new' }, failing)).rejects.toThrow('NOT_FOUND');
    expect(failing).toHaveBeenCalledTimes(2);
    await short.resolve('t1', { name: 'rec' }, load);
    await new Promise((ok) => setTimeout(ok, 60));
    await short.resolve('t1', { name: 'rec' }, load);
    expect(load).toHaveBeenCalledTimes(4);
  });
});

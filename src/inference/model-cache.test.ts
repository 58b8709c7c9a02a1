import type { LoadedModel } from '../ml/serving';
import { ModelCache } from './model-cache';

/** A stand-in model that records its disposal (the cache only sees bytes and dispose). */
function fakeModel(bytes: number, disposed: string[], name: string): LoadedModel {
  return { task: 'classification', predictor: {} as LoadedModel['predictor'], bytes, dispose: () => disposed.push(name) };
}

describe('ModelCache', () => {
  it('loads once for concurrent first requests', async () => {
    const cache = new ModelCache(1000);
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 20));
      return fakeModel(10, [], 'a');
    };
    const handles = await Promise.all([cache.acquire('a', load), cache.acquire('a', load), cache.acquire('a', load)]);
    expect(loads).toBe(1);
    expect(new Set(handles.map((h) => h.model)).size).toBe(1);
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: 10, loads: 1, hits: 2 });
    handles.forEach((h) => h.release());
  });

  it('evicts the least recently used under its byte budget, and disposes a model in use only when released', async () => {
    const disposed: string[] = [];
    const cache = new ModelCache(25);
    const held = await cache.acquire('a', async () => fakeModel(10, disposed, 'a'));
    (await cache.acquire('b', async () => fakeModel(10, disposed, 'b'))).release();
    (await cache.acquire('a', async () => fakeModel(10, disposed, 'a'))).release(); // a is now most recent
    (await cache.acquire('c', async () => fakeModel(10, disposed, 'c'))).release(); // over budget: b goes
    expect(disposed).toEqual(['b']);
    expect(cache.has('b')).toBe(false);
    (await cache.acquire('d', async () => fakeModel(10, disposed, 'd'))).release(); // a goes, but is still held
    expect(cache.has('a')).toBe(false);
    expect(disposed).toEqual(['b']);
    held.release();
    expect(disposed).toEqual(['b', 'a']);
    held.release(); // idempotent
    expect(disposed).toEqual(['b', 'a']);
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 20, evictions: 2 });
  });

  it('serves a model bigger than the budget, then lets it go; forgets failed loads', async () => {
    const disposed: string[] = [];
    const cache = new ModelCache(5);
    const big = await cache.acquire('big', async () => fakeModel(50, disposed, 'big'));
    expect(cache.has('big')).toBe(true);
    big.release();
    (await cache.acquire('small', async () => fakeModel(1, disposed, 'small'))).release();
    expect(disposed).toEqual(['big']);
    await expect(cache.acquire('broken', async () => Promise.reject(new Error('no artifact')))).rejects.toThrow('no artifact');
    await new Promise((r) => setImmediate(r));
    expect(cache.has('broken')).toBe(false);
    cache.clear();
    expect(disposed).toEqual(['big', 'small']);
  });
});

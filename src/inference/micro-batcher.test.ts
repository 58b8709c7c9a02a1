import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher', () => {
  it('runs items submitted within the window as one batch, results in order per submitter', async () => {
    const batcher = new MicroBatcher({ windowMs: 10, maxBatch: 100 });
    const batches: number[][] = [];
    const double = async (items: number[]) => {
      batches.push(items);
      return items.map((x) => x * 2);
    };
    const [a, b, c] = await Promise.all([batcher.submit('k', [1, 2], double), batcher.submit('k', [3], double), batcher.submit('k', [4, 5, 6], double)]);
    expect({ a, b, c }).toEqual({ a: [2, 4], b: [6], c: [8, 10, 12] });
    expect(batches).toEqual([[1, 2, 3, 4, 5, 6]]);
    expect(batcher.stats()).toEqual({ batches: 1, items: 6, largestBatch: 6 });
  });

  it('keeps keys apart, splits at maxBatch, and fails only the item whose result is an Error', async () => {
    const batcher = new MicroBatcher({ windowMs: 5, maxBatch: 3 });
    const sizes: number[] = [];
    const run = async (items: string[]) => {
      sizes.push(items.length);
      return items.map((x) => (x === 'bad' ? new Error(`bad item ${x}`) : x.toUpperCase()));
    };
    const [ok, other, bad] = await Promise.allSettled([batcher.submit('x', ['a', 'b', 'c', 'd'], run), batcher.submit('y', ['e'], run), batcher.submit('x', ['bad'], run)]);
    expect(ok).toEqual({ status: 'fulfilled', value: ['A', 'B', 'C', 'D'] });
    expect(other).toEqual({ status: 'fulfilled', value: ['E'] });
    expect(bad).toMatchObject({ status: 'rejected', reason: new Error('bad item bad') });
    expect(sizes.sort()).toEqual([1, 2, 3]);
  });

  it('keeps one batch in flight per key: what arrives meanwhile runs next, as one batch', async () => {
    const batcher = new MicroBatcher({ windowMs: 0, maxBatch: 100 });
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const run = async (items: number[]) => {
      batches.push(items);
      if (batches.length === 1) await gate; // the first batch is slow
      return items;
    };
    const first = batcher.submit('k', [1], run);
    await new Promise((r) => setTimeout(r, 5));
    const later = [batcher.submit('k', [2], run), batcher.submit('k', [3], run), batcher.submit('k', [4], run)];
    await new Promise((r) => setTimeout(r, 5));
    expect(batches).toEqual([[1]]); // nothing else started while the first batch ran
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects every item of a batch whose runner throws', async () => {
    const batcher = new MicroBatcher({ windowMs: 0, maxBatch: 10 });
    const run = async (): Promise<string[]> => {
      throw new Error('model unloaded');
    };
    await expect(Promise.all([batcher.submit('k', ['a'], run), batcher.submit('k', ['b'], run)])).rejects.toThrow('model unloaded');
  });
});

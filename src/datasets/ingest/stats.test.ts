import { RatingHistogram, Reservoir, textLengths } from './stats';

describe('rating histogram', () => {
  it('counts each value exactly up to 20 values, then 10 exact bins up to 1000 values', () => {
    const few = new RatingHistogram();
    for (const v of [1, 2, 2, 3.5, 5, 5, 5]) few.add(v);
    expect(few.result()).toEqual({ 1: 1, 2: 2, 3.5: 1, 5: 3 });
    expect(few.approximate).toBe(false);
    const many = new RatingHistogram();
    for (let i = 0; i < 1000; i++) many.add(i % 100); // 100 values, 10 each
    const bins = many.result();
    expect(Object.keys(bins)).toHaveLength(10);
    expect(Object.values(bins)).toEqual(Array(10).fill(100));
    expect(Object.keys(bins)[0]).toBe('[0, 9.9)');
    expect(many.approximate).toBe(false);
  });

  it('estimates bins from a sample past 1000 distinct values: close to the true counts, and the same every time', () => {
    const run = () => {
      const h = new RatingHistogram();
      for (let i = 0; i < 200_000; i++) h.add((i * 7919) % 100_000 / 10); // 100,000 values in [0, 10), each twice
      return h;
    };
    const h = run();
    expect(h.approximate).toBe(true);
    const bins = Object.values(h.result());
    expect(bins).toHaveLength(10);
    expect(bins.reduce((a, b) => a + b, 0)).toBeGreaterThan(199_990);
    for (const b of bins) expect(Math.abs(b - 20_000)).toBeLessThan(2_000);
    expect(run().result()).toEqual(h.result());
  });
});

describe('reservoir from counts', () => {
  it('is a uniform sample of the multiset, then goes on sampling', () => {
    const r = new Reservoir(10_000, 3);
    r.addCounts(new Map([[1, 1000], [2, 9000], [3, 0], [4, 90_000]]));
    expect(r.count).toBe(100_000);
    expect([r.min, r.max]).toEqual([1, 4]);
    const share = (v: number) => r.values().filter((x) => x === v).length / r.values().length;
    expect(r.values()).toHaveLength(10_000);
    expect(share(1)).toBeCloseTo(0.01, 2);
    expect(share(2)).toBeCloseTo(0.09, 1);
    expect(share(3)).toBe(0);
    for (let i = 0; i < 100_000; i++) r.add(5);
    expect(r.count).toBe(200_000);
    expect(share(5)).toBeCloseTo(0.5, 1);
    expect(r.percentiles()).toMatchObject({ count: 200_000, min: 1, max: 5, approximate: true });
    const small = new Reservoir(10, 1);
    small.addCounts([[7, 3]]);
    expect(small.values()).toEqual([7, 7, 7]);
  });
});

describe('textLengths', () => {
  // The definition: code points, and runs of characters that are not JavaScript's /\s/.
  const reference = (text: string) => ({ chars: [...text].length, tokens: text.match(/\S+/g)?.length ?? 0 });

  it('counts like the definition on every space /\\s/ knows, ASCII and not, and on astral characters', () => {
    const spaces = [' ', '\t', '\n', '\v', '\f', '\r', '\u00a0', '\u1680', '\u2000', '\u2005', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff'];
    const words = ['a', 'Grüße', '日本語', '😀', '\u{1f3ff}', '\u{20000}', 'x\u200by', '\u0085', '\u180e', '-', '1.5'];
    let seed = 7;
    const pick = <T>(list: T[]) => list[(seed = (seed * 1103515245 + 12345) & 0x7fffffff) % list.length];
    for (let n = 0; n < 2000; n++) {
      let text = '';
      for (let k = n % 12; k > 0; k--) text += pick([pick(spaces), pick(words), pick(words)]);
      expect(textLengths(text)).toEqual(reference(text));
    }
    expect(textLengths('  two\u3000words\n')).toEqual({ chars: 12, tokens: 2 });
  });
});

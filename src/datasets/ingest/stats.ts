/**
 * Bounded-memory statistics used by the ingest pipeline: a reservoir sample for percentiles,
 * a distinct counter that is exact up to a limit and a HyperLogLog above it, and a rating
 * histogram. All are deterministic (seeded), so the same file gives the same stats.
 */
// Hot-path globals bound once: under Jest's vm context every global lookup is slow.
const { imul, floor, clz32, round, min, max, log } = Math;

/** mulberry32: a tiny seeded PRNG, good enough for reservoir sampling. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Percentiles {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** True when the percentiles come from a sample (more values than the reservoir holds); min, max and mean are always exact. */
  approximate: boolean;
}

/** Reservoir sample (Algorithm R) with exact count/min/max/mean. Memory: `size` numbers. */
export class Reservoir {
  private readonly sample: number[] = [];
  private readonly random: () => number;
  count = 0;
  private sum = 0;
  min = Infinity;
  max = -Infinity;

  constructor(private readonly size = 10_000, seed = 1) {
    this.random = mulberry32(seed);
  }

  add(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.sample.length < this.size) this.sample.push(value);
    else {
      const j = floor(this.random() * this.count);
      if (j < this.size) this.sample[j] = value;
    }
  }

  /**
   * For an empty reservoir: takes the multiset `value → count` as if its values had been added
   * one by one (a uniform sample of them: Floyd's m-of-n positions, mapped through the counts),
   * in O(size + values), then goes on with `add`.
   */
  addCounts(counts: Iterable<[number, number]>): void {
    let n = 0;
    for (const [, c] of counts) n += c;
    const m = min(this.size, n);
    const picked = new Set<number>();
    for (let j = n - m; j < n; j++) {
      const t = floor(this.random() * (j + 1));
      picked.add(picked.has(t) ? j : t);
    }
    const positions = Float64Array.from(picked).sort();
    let k = 0;
    let end = 0;
    for (const [value, c] of counts) {
      if (c === 0) continue;
      end += c;
      while (k < positions.length && positions[k] < end) { this.sample.push(value); k++; }
      this.sum += value * c;
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
    }
    this.count = n;
  }

  values(): readonly number[] {
    return this.sample;
  }

  percentiles(): Percentiles {
    if (this.count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0, approximate: false };
    const sorted = Float64Array.from(this.sample).sort();
    const rank = (p: number): number => sorted[min(sorted.length - 1, max(0, Math.ceil(p * sorted.length) - 1))];
    return {
      count: this.count,
      min: this.min,
      mean: this.sum / this.count,
      p50: rank(0.5),
      p90: rank(0.9),
      p99: rank(0.99),
      max: this.max,
      approximate: this.count > this.size,
    };
  }
}

/** Two independent 32-bit string hashes (FNV-1a and a murmur-style mix), for HyperLogLog. */
function hashPair(s: string): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = imul(h1 ^ c, 0x01000193);
    h2 = imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 ^= h1 >>> 16; h1 = imul(h1, 0x85ebca6b); h1 ^= h1 >>> 13; h1 = imul(h1, 0xc2b2ae35); h1 ^= h1 >>> 16;
  h2 ^= h2 >>> 16; h2 = imul(h2, 0x7feb352d); h2 ^= h2 >>> 15; h2 = imul(h2, 0x846ca68b); h2 ^= h2 >>> 16;
  return [h1 >>> 0, h2 >>> 0];
}

/** HyperLogLog with 2^14 registers (16 KB, ~0.8% standard error). */
export class HyperLogLog {
  private static readonly P = 14;
  private readonly registers = new Uint8Array(1 << HyperLogLog.P);

  add(value: string): void {
    const [h1, h2] = hashPair(value);
    const index = h1 >>> (32 - HyperLogLog.P);
    const rank = clz32(h2) + 1;
    if (rank > this.registers[index]) this.registers[index] = rank;
  }

  estimate(): number {
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (const r of this.registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / sum;
    if (raw <= 2.5 * m && zeros > 0) return round(m * log(m / zeros));
    return round(raw);
  }
}

/** Canonical non-negative integers below this are counted in a bitset (8 MB at most). */
export const BITSET_LIMIT = 1 << 26;

/** `smallInt` of the bytes `buf[start, end)`. */
function smallIntBytes(buf: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n === 0 || n > 8 || (n > 1 && buf[start] === 48)) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v < BITSET_LIMIT ? v : -1;
}

/** The value of a canonical decimal integer string ("0", "17", not "017" or "+1") below BITSET_LIMIT, else -1. */
function smallInt(s: string): number {
  const n = s.length;
  if (n === 0 || n > 8 || (n > 1 && s.charCodeAt(0) === 48)) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v < BITSET_LIMIT ? v : -1;
}

/**
 * Counts distinct strings. Ids that are small canonical integers (MovieLens-style) go to a
 * growable bitset: exact, fast and at most 8 MB. Other ids go to a Set up to `exactLimit`
 * entries, then to a HyperLogLog (~0.8% error), and the count is marked approximate.
 */
export class DistinctCounter {
  private bits = new Uint32Array(1024);
  private bitCount = 0;
  private exact: Set<string> | null = new Set();
  private hll: HyperLogLog | null = null;

  constructor(private readonly exactLimit = 1_000_000) {}

  add(value: string): void {
    const n = smallInt(value);
    if (n >= 0) this.addSmallInt(n);
    else this.addOther(value);
  }

  /** `add` of the UTF-8 bytes `buf[start, end)`, decoding them only when they are not a small integer. */
  addBytes(buf: Buffer, start: number, end: number): void {
    const n = smallIntBytes(buf, start, end);
    if (n >= 0) this.addSmallInt(n);
    else this.addOther(buf.toString('utf8', start, end));
  }

  /** `add` of the canonical decimal text of `n`, an integer in [0, 2^26) (what `smallInt` gives). */
  addSmallInt(n: number): void {
    const word = n >>> 5;
    if (word >= this.bits.length) this.growTo(word);
    const mask = 1 << (n & 31);
    if ((this.bits[word] & mask) === 0) {
      this.bits[word] |= mask;
      this.bitCount++;
    }
  }

  /**
   * Adds every id whose bit is set in `words` (a bitset like this one's: bit `n & 31` of word
   * `n >>> 5` for the id `n`), as if each had been given to `addSmallInt`.
   */
  addBits(words: Uint32Array): void {
    let last = words.length - 1;
    while (last >= 0 && words[last] === 0) last--;
    if (last < 0) return;
    if (last >= this.bits.length) this.growTo(last);
    const bits = this.bits;
    for (let w = 0; w <= last; w++) {
      let fresh = words[w] & ~bits[w];
      if (fresh === 0) continue;
      bits[w] |= fresh;
      // popcount
      fresh -= (fresh >>> 1) & 0x55555555;
      fresh = (fresh & 0x33333333) + ((fresh >>> 2) & 0x33333333);
      this.bitCount += imul((fresh + (fresh >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
  }

  /** Makes the bitset hold word `word` (at least doubling it). */
  private growTo(word: number): void {
    const grown = new Uint32Array(max(word + 1, this.bits.length * 2));
    grown.set(this.bits);
    this.bits = grown;
  }

  private addOther(value: string): void {
    if (this.exact) {
      this.exact.add(value);
      if (this.exact.size > this.exactLimit) {
        this.hll = new HyperLogLog();
        for (const v of this.exact) this.hll.add(v);
        this.exact = null;
      }
    } else {
      this.hll!.add(value);
    }
  }

  get approximate(): boolean {
    return this.exact === null;
  }

  count(): number {
    return this.bitCount + (this.exact ? this.exact.size : this.hll!.estimate());
  }
}

const HALF_OFFSET = 2048;
const HALF_SLOTS = 2 * HALF_OFFSET;

/**
 * The slot of a rating in the half-step table (multiples of 0.5 in −1024…1023.5: `2 × value +
 * 2048`), or −1. The histogram counts these values in an array, and the rating sum adds them as
 * exact integers (`task-stats.ts`), so rows counted elsewhere can be added in any order.
 */
export function halfSlot(value: number): number {
  const slot = value * 2 + HALF_OFFSET;
  return slot >= 0 && slot < HALF_SLOTS && (slot | 0) === slot ? slot : -1;
}

/**
 * Rating histogram: exact counts per distinct value while there are at most `maxDistinct`
 * (1000) of them; beyond that, bins are estimated from a reservoir sample. The result lists
 * each distinct value when there are at most `maxBuckets` (20) of them, else 10 equal bins.
 */
export class RatingHistogram {
  /** Counts of values outside the half-step table; null once there are more than `maxDistinct` distinct values. */
  private distinct: Map<number, number> | null = new Map();
  /** Counts of the common values (multiples of 0.5 in −1024…1023.5) by `2 × value + HALF_OFFSET`: no Map per row. */
  private readonly halves = new Float64Array(HALF_SLOTS);
  private distinctCount = 0;
  /** Used only once the counts stop being exact: then filled from them, and fed every value after. */
  private readonly sample = new Reservoir(10_000, 7);
  // While exact: how many values, the smallest and largest (the sample's once approximate).
  private count = 0;
  private low = Infinity;
  private high = -Infinity;

  constructor(private readonly maxDistinct = 1000, private readonly maxBuckets = 20) {}

  add(value: number): void {
    const distinct = this.distinct;
    if (!distinct) return this.sample.add(value);
    this.count++;
    if (value < this.low) this.low = value;
    if (value > this.high) this.high = value;
    const slot = halfSlot(value);
    if (slot >= 0) {
      if (this.halves[slot]++ === 0) this.distinctCount++;
    } else {
      const count = distinct.get(value);
      if (count === undefined) this.distinctCount++;
      distinct.set(value, (count ?? 0) + 1);
    }
    if (this.distinctCount > this.maxDistinct) {
      this.sample.addCounts(this.counts()!);
      this.distinct = null;
    }
  }

  get approximate(): boolean {
    return this.distinct === null && this.sample.count > this.sample.values().length;
  }

  /** Whether each value is still counted exactly (so counts may be added in any order). */
  get exact(): boolean {
    return this.distinct !== null;
  }

  /** Whether `value` has been counted (while exact). */
  has(value: number): boolean {
    const slot = halfSlot(value);
    if (slot >= 0) return this.halves[slot] > 0;
    return this.distinct?.has(value) ?? false;
  }

  /**
   * While exact: adds `count` values `slot / 2 − 1024` for each slot of `halves` (the rows a
   * caller counted itself), values that this histogram has already counted, so that no new
   * distinct value appears (which is what could end the exact counting, and that depends on order).
   */
  addHalfCounts(halves: Float64Array, lowest: number, highest: number): void {
    if (!this.distinct) throw new Error('addHalfCounts: the histogram is no longer exact');
    let added = 0;
    for (let slot = 0; slot < HALF_SLOTS; slot++) {
      const count = halves[slot];
      if (count === 0) continue;
      if (this.halves[slot] === 0) throw new Error(`addHalfCounts: ${(slot - HALF_OFFSET) / 2} was never counted`);
      this.halves[slot] += count;
      added += count;
    }
    if (added === 0) return;
    this.count += added;
    if (lowest < this.low) this.low = lowest;
    if (highest > this.high) this.high = highest;
  }

  /** Every distinct value with its count (while counted exactly). */
  private counts(): Map<number, number> | null {
    if (!this.distinct) return null;
    const all = new Map<number, number>();
    for (let slot = 0; slot < HALF_SLOTS; slot++) if (this.halves[slot]) all.set((slot - HALF_OFFSET) / 2, this.halves[slot]);
    for (const [value, count] of this.distinct) all.set(value, count);
    return all;
  }

  result(): Record<string, number> {
    const out: Record<string, number> = {};
    const distinct = this.counts();
    if ((distinct ? this.count : this.sample.count) === 0) return out;
    if (distinct && distinct.size <= this.maxBuckets) {
      for (const [value, count] of [...distinct].sort((a, b) => a[0] - b[0])) out[String(value)] = count;
      return out;
    }
    const low = distinct ? this.low : this.sample.min;
    const high = distinct ? this.high : this.sample.max;
    const bins = 10;
    const width = (high - low) / bins || 1;
    const counts = new Array<number>(bins).fill(0);
    const bin = (v: number): number => min(bins - 1, floor((v - low) / width));
    if (distinct) {
      for (const [value, count] of distinct) counts[bin(value)] += count;
    } else {
      const values = this.sample.values();
      const scale = this.sample.count / values.length;
      for (const v of values) counts[bin(v)] += scale;
    }
    const fmt = (v: number): string => String(Number(v.toPrecision(6)));
    for (let b = 0; b < bins; b++) {
      const lo = low + b * width;
      const hi = b === bins - 1 ? high : low + (b + 1) * width;
      out[`[${fmt(lo)}, ${fmt(hi)}${b === bins - 1 ? ']' : ')'}`] = round(counts[b]);
    }
    return out;
  }
}

/** Length of a text in Unicode code points and whitespace-separated tokens, in one pass. */
export function textLengths(s: string): { chars: number; tokens: number } {
  let tokens = 0;
  let lowSurrogates = 0;
  let inToken = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let space: boolean;
    // ASCII first (most text): two tests instead of eleven. The spaces are those of /\s/.
    if (c < 0x80) space = c === 32 || (c <= 13 && c >= 9);
    else {
      space = c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x1680 || c === 0x202f || c === 0x205f || c === 0xfeff;
      if (c >= 0xdc00 && c <= 0xdfff) lowSurrogates++;
    }
    if (space) inToken = false;
    else if (!inToken) { inToken = true; tokens++; }
  }
  return { chars: s.length - lowSurrogates, tokens };
}

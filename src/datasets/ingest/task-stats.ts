/** Per-task statistics over canonical rows, in bounded memory. */
import { DistinctCounter, halfSlot, RatingHistogram, Reservoir, textLengths } from './stats';
import type { DatasetStats, DatasetTask, LengthStats } from './types';

export type CanonicalRow = Record<string, string | number>;
/** A row's canonical values in the order of TASK_FIELDS[task] (undefined: an absent optional field). */
export type RowValues = (string | number | undefined)[];

export interface StatsCollector {
  add(values: RowValues): void;
  result(): DatasetStats;
}

class LengthCollector {
  private readonly chars: Reservoir;
  private readonly tokens: Reservoir;
  constructor(seed: number) {
    this.chars = new Reservoir(10_000, seed);
    this.tokens = new Reservoir(10_000, seed + 1);
  }
  add(text: string): void {
    const { chars, tokens } = textLengths(text);
    this.chars.add(chars);
    this.tokens.add(tokens);
  }
  result(): LengthStats {
    return { chars: this.chars.percentiles(), tokens: this.tokens.percentiles() };
  }
}

/** Users, items, rating range and histogram, sparsity. `addFields` takes ids as bytes (the fast path). */
export class RecommendationCollector implements StatsCollector {
  private readonly users: DistinctCounter;
  private readonly items: DistinctCounter;
  private readonly histogram = new RatingHistogram();
  private rows = 0;
  /**
   * Σ 2 × rating of the ratings that are multiples of 0.5 in −1024…1023.5 (an exact integer, so
   * rows may be added in any order, see `addCounted`), and Σ rating of the others, in order.
   */
  private twiceSum = 0;
  private otherSum = 0;
  private min = Infinity;
  private max = -Infinity;
  private withTimestamp = 0;

  constructor(exactDistinctLimit: number) {
    this.users = new DistinctCounter(exactDistinctLimit);
    this.items = new DistinctCounter(exactDistinctLimit);
  }

  add(values: RowValues): void {
    this.users.add(values[0] as string);
    this.items.add(values[1] as string);
    this.addRating(values[2] as number, values[3] !== undefined);
  }

  /** `add` for a row whose ids are the UTF-8 bytes `userBuf[us, ue)` and `itemBuf[is, ie)`. */
  addFields(userBuf: Buffer, us: number, ue: number, itemBuf: Buffer, is: number, ie: number, rating: number, hasTimestamp: boolean): void {
    this.users.addBytes(userBuf, us, ue);
    this.items.addBytes(itemBuf, is, ie);
    this.addRating(rating, hasTimestamp);
  }

  /** `addFields` for ids that are small canonical integers (`smallInt` ≥ 0), given as their values. */
  addInts(user: number, item: number, rating: number, hasTimestamp: boolean): void {
    this.users.addSmallInt(user);
    this.items.addSmallInt(item);
    this.addRating(rating, hasTimestamp);
  }

  /** Whether rows with this rating may be counted by `addCounted`: the histogram counts exactly and has the value. */
  canCount(rating: number): boolean {
    return this.histogram.exact && this.histogram.has(rating);
  }

  /**
   * Adds rows counted elsewhere (the WebAssembly row reader): `halves[2 × rating + 2048]` rows
   * per rating, every one a value `canCount` accepted; `twiceSum` is Σ 2 × rating. Their ids come
   * separately, as bitsets (`addIdBits`).
   */
  addCounted(c: { rows: number; withTimestamp: number; twiceSum: number; low: number; high: number; halves: Float64Array }): void {
    if (c.rows === 0) return;
    this.histogram.addHalfCounts(c.halves, c.low, c.high);
    this.rows += c.rows;
    this.twiceSum += c.twiceSum;
    if (c.low < this.min) this.min = c.low;
    if (c.high > this.max) this.max = c.high;
    this.withTimestamp += c.withTimestamp;
  }

  addIdBits(users: Uint32Array, items: Uint32Array): void {
    this.users.addBits(users);
    this.items.addBits(items);
  }

  /** Whether the histogram still counts every value exactly. */
  get histogramExact(): boolean {
    return this.histogram.exact;
  }

  private addRating(rating: number, hasTimestamp: boolean): void {
    this.histogram.add(rating);
    this.rows++;
    if (halfSlot(rating) >= 0) this.twiceSum += rating * 2;
    else this.otherSum += rating;
    if (rating < this.min) this.min = rating;
    if (rating > this.max) this.max = rating;
    if (hasTimestamp) this.withTimestamp++;
  }

  result(): DatasetStats {
    const { rows, min, max } = this;
    const u = this.users.count();
    const i = this.items.count();
    return {
      task: 'RECOMMENDATION',
      users: u,
      items: i,
      countsApproximate: this.users.approximate || this.items.approximate,
      ratingMin: rows ? min : null,
      ratingMax: rows ? max : null,
      ratingMean: rows ? (this.twiceSum / 2 + this.otherSum) / rows : null,
      ratingHistogram: this.histogram.result(),
      histogramApproximate: this.histogram.approximate,
      sparsity: rows ? Math.min(1, Math.max(0, 1 - rows / (u * i))) : null,
      rowsWithTimestamp: this.withTimestamp,
    };
  }
}

export function createStatsCollector(task: DatasetTask, opts: { exactDistinctLimit: number }): StatsCollector {
  switch (task) {
    case 'RECOMMENDATION':
      return new RecommendationCollector(opts.exactDistinctLimit);
    case 'TRANSLATION': {
      const source = new LengthCollector(11);
      const target = new LengthCollector(13);
      return {
        add(values) { source.add(values[0] as string); target.add(values[1] as string); },
        result: () => ({ task: 'TRANSLATION', source: source.result(), target: target.result() }),
      };
    }
    case 'SUMMARIZATION': {
      const document = new LengthCollector(17);
      const summary = new LengthCollector(19);
      return {
        add(values) { document.add(values[0] as string); summary.add(values[1] as string); },
        result: () => ({ task: 'SUMMARIZATION', document: document.result(), summary: summary.result() }),
      };
    }
    case 'CLASSIFICATION': {
      const labels = new Map<string, number>();
      const text = new LengthCollector(23);
      return {
        add(values) {
          const label = values[1] as string;
          labels.set(label, (labels.get(label) ?? 0) + 1);
          text.add(values[0] as string);
        },
        result() {
          const sorted = [...labels].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
          return { task: 'CLASSIFICATION', labels: Object.fromEntries(sorted), labelCount: labels.size, text: text.result() };
        },
      };
    }
  }
}

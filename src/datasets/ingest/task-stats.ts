/** Per-task statistics over canonical rows, in bounded memory. */
import { DistinctCounter, RatingHistogram, Reservoir, textLengths } from './stats';
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

export function createStatsCollector(task: DatasetTask, opts: { exactDistinctLimit: number }): StatsCollector {
  switch (task) {
    case 'RECOMMENDATION': {
      const users = new DistinctCounter(opts.exactDistinctLimit);
      const items = new DistinctCounter(opts.exactDistinctLimit);
      const histogram = new RatingHistogram();
      let rows = 0, sum = 0, min = Infinity, max = -Infinity, withTimestamp = 0;
      return {
        add(values) {
          const rating = values[2] as number;
          users.add(values[0] as string);
          items.add(values[1] as string);
          histogram.add(rating);
          rows++;
          sum += rating;
          if (rating < min) min = rating;
          if (rating > max) max = rating;
          if (values[3] !== undefined) withTimestamp++;
        },
        result() {
          const u = users.count();
          const i = items.count();
          return {
            task: 'RECOMMENDATION',
            users: u,
            items: i,
            countsApproximate: users.approximate || items.approximate,
            ratingMin: rows ? min : null,
            ratingMax: rows ? max : null,
            ratingMean: rows ? sum / rows : null,
            ratingHistogram: histogram.result(),
            histogramApproximate: histogram.approximate,
            sparsity: rows ? Math.min(1, Math.max(0, 1 - rows / (u * i))) : null,
            rowsWithTimestamp: withTimestamp,
          };
        },
      };
    }
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

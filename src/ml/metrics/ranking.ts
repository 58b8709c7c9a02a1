/**
 * Top-K ranking metrics with binary relevance, averaged over users (the standard
 * definitions used by the Microsoft Recommenders benchmark):
 * - HR@K: 1 if any relevant item is in the top K;
 * - precision@K: relevant items in the top K / K;
 * - recall@K: relevant items in the top K / all relevant items;
 * - NDCG@K: DCG = Σ rel_i / log2(i + 2) over ranks i = 0..K-1, divided by the DCG of
 *   the ideal list (min(K, |relevant|) ones first).
 * Users with no relevant items are skipped.
 */

export interface RankedList {
  /** Recommended ids, best first (at least the top K are read). */
  ranked: readonly string[];
  /** Held-out relevant ids. */
  relevant: ReadonlySet<string>;
}

export interface RankingMetrics {
  hitRate: number;
  ndcg: number;
  precision: number;
  recall: number;
  users: number;
}

export function dcgAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i])) dcg += 1 / Math.log2(i + 2);
  return dcg;
}

export function ndcgAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return ideal === 0 ? 0 : dcgAtK(ranked, relevant, k) / ideal;
}

export function rankingMetrics(lists: readonly RankedList[], k: number): RankingMetrics {
  let hr = 0, nd = 0, p = 0, r = 0, users = 0;
  for (const { ranked, relevant } of lists) {
    if (relevant.size === 0) continue;
    users++;
    let hits = 0;
    for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i])) hits++;
    hr += hits > 0 ? 1 : 0;
    p += hits / k;
    r += hits / relevant.size;
    nd += ndcgAtK(ranked, relevant, k);
  }
  if (users === 0) return { hitRate: 0, ndcg: 0, precision: 0, recall: 0, users: 0 };
  return { hitRate: hr / users, ndcg: nd / users, precision: p / users, recall: r / users, users };
}

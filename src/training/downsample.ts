/**
 * Shortens a series to about `maxPoints` for charts while keeping its shape: the series is cut
 * into buckets and each bucket keeps its minimum and its maximum (in step order), so spikes and
 * dips survive, unlike plain striding. Series at or under the limit come back unchanged.
 */
export function downsample<T extends { step: number; value: number }>(points: T[], maxPoints: number): T[] {
  if (maxPoints < 2) return points.slice(0, Math.max(0, maxPoints));
  if (points.length <= maxPoints) return points;
  const buckets = Math.floor(maxPoints / 2);
  const size = points.length / buckets;
  const out: T[] = [];
  for (let b = 0; b < buckets; b++) {
    const slice = points.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    if (!slice.length) continue;
    let lo = slice[0];
    let hi = slice[0];
    for (const p of slice) {
      if (p.value < lo.value) lo = p;
      if (p.value > hi.value) hi = p;
    }
    if (lo === hi) out.push(lo);
    else out.push(...(lo.step <= hi.step ? [lo, hi] : [hi, lo]));
  }
  return out;
}

/**
 * A quantile estimated from histogram buckets, as Prometheus's `histogram_quantile` does it: find
 * the bucket that holds the rank, and interpolate linearly inside it (the first bucket starts at
 * 0). Pure.
 */

/**
 * `bounds` are the buckets' upper bounds, ascending; `counts` the observations in each bucket (not
 * cumulative), one more than `bounds` for the +Inf bucket. Returns null without observations; a
 * rank in the +Inf bucket gives the highest finite bound (the estimate can say no more).
 */
export function bucketQuantile(bounds: readonly number[], counts: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    const inBucket = counts[i]!;
    if (inBucket > 0 && below + inBucket >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return lower + (bounds[i]! - lower) * ((rank - below) / inBucket);
    }
    below += inBucket;
  }
  return bounds[bounds.length - 1] ?? null;
}

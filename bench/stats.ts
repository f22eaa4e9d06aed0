/** Small number helpers for bench figures. */

/** Nearest-rank percentile (p in 0..100) of the values; null when there are none. Does not modify `values`. */
export function percentile(values: Float64Array, p: number): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** count / seconds between two Date.now() readings; null when the span is unknown or empty. */
export function perSecond(count: number, fromMs: number | null, toMs: number | null): number | null {
  if (fromMs === null || toMs === null || toMs <= fromMs) return null;
  return count / ((toMs - fromMs) / 1000);
}

/** Milliseconds of CPU spread over `events`, in µs per event; null when either is unknown or zero. */
export function perEventUs(cpuMs: number | null, events: number): number | null {
  return cpuMs === null || events <= 0 ? null : (cpuMs * 1000) / events;
}

/**
 * A connector's last hour, as the overview shows it: of the deliveries whose events were accepted
 * in the LAST_HOUR_MS before now (read from the store, newest first), how many are delivered,
 * failing (retrying) and dead, and the p50 and p99 of accepted → delivered for the delivered ones
 * (their last change is their delivery). At most LAST_HOUR_SCAN_LIMIT deliveries are read per
 * connector; past that the counts are marked `capped` (at least this many). It only reads.
 */
import type { Engine } from '../../engine.js';

export const LAST_HOUR_MS = 60 * 60 * 1000;
/** Most deliveries read per connector for its last hour. */
export const LAST_HOUR_SCAN_LIMIT = 10_000;
const PAGE_ROWS = 1_000;

export interface LastHour {
  readonly delivered: number;
  readonly failing: number;
  readonly dead: number;
  /** Accepted → delivered, in ms; null without a delivered delivery. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** The connector had more deliveries in the hour than were read. */
  readonly capped: boolean;
}

export async function lastHourOf(engine: Engine, connector: string, now: number): Promise<LastHour> {
  const latencies: number[] = [];
  let failing = 0;
  let dead = 0;
  let read = 0;
  let after: string | undefined;
  do {
    const page = await engine.findDeliveries({ filter: { connectors: [connector], since: now - LAST_HOUR_MS }, order: 'desc', limit: PAGE_ROWS, ...(after !== undefined && { after }) });
    for (const delivery of page.deliveries) {
      if (delivery.state === 'delivered') latencies.push(Math.max(0, delivery.updatedAt - delivery.acceptedAt));
      else if (delivery.state === 'retrying') failing += 1;
      else if (delivery.state === 'dead') dead += 1;
    }
    read += page.deliveries.length;
    after = page.next ?? undefined;
  } while (after !== undefined && read < LAST_HOUR_SCAN_LIMIT);
  latencies.sort((a, b) => a - b);
  return { delivered: latencies.length, failing, dead, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), capped: after !== undefined };
}

/** The nearest-rank quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * The figures of the fail-over scenario (scenario-failover.ts), computed from what it observed:
 * pure, so that they are unit-tested without engines.
 *
 * - held: the deliveries the killed replica held at the kill (inflight under its lease in the
 *   store right after the SIGKILL: what was committed is all the store has).
 * - fail-over time: from the kill to the last of those recorded as delivered by the survivor
 *   (the store's updated_at, stamped by the survivor's clock on this machine). Expected: the rest
 *   of the lease after the killed replica's last renewal, plus up to one sweep, plus the sending.
 * - duplicates: Idempotency-Keys (delivery ids) the receiver saw more than once. Only a delivery
 *   the killed replica held may go twice (it was sent, its record was not committed); any other
 *   is a fault of the lease.
 */

export interface FailoverObservation {
  readonly leaseMs: number;
  readonly leaseRenewMs: number;
  /** The engine's default --lease, for what it implies. */
  readonly defaultLeaseMs: number;
  /** When the SIGKILL was sent, ms since the epoch. */
  readonly killAt: number;
  /** Delivery ids the killed replica held at the kill. */
  readonly held: readonly string[];
  /** Of `held`, when each was recorded delivered (ms since the epoch); absent: not delivered. */
  readonly deliveredAt: ReadonlyMap<string, number>;
  /** Arrivals (ms since the epoch) of the receiver's requests, per Idempotency-Key. */
  readonly arrivalsByKey: ReadonlyMap<string, readonly number[]>;
  /** Events the survivor acknowledged after the kill, and those it refused or failed (whole run). */
  readonly survivorAckedAfterKill: number;
  readonly survivorFailedEvents: number;
}

export interface FailoverResult {
  readonly leaseMs: number;
  readonly leaseRenewMs: number;
  readonly defaultLeaseMs: number;
  readonly heldAtKill: number;
  /** Held deliveries never recorded delivered (0 when the fail-over completed). */
  readonly heldUndelivered: number;
  /** Kill to the last held delivery delivered, ms; null when none was held or some never were. */
  readonly failoverMs: number | null;
  /** The same with the default lease: the lease's share grows by default − bench lease. */
  readonly impliedDefaultLeaseMs: number | null;
  /** Deliveries that reached the receiver more than once; of those, the ones the killed replica
   * did not hold, and the ones that came twice before the kill (both replicas up: a lease lost
   * under load, never a fail-over's doing). */
  readonly duplicatedDeliveries: number;
  readonly duplicatedNotHeld: number;
  readonly duplicatedBeforeKill: number;
  readonly survivorAckedAfterKill: number;
  readonly survivorFailedEvents: number;
}

export function failoverFigures(seen: FailoverObservation): FailoverResult {
  const held = new Set(seen.held);
  let last: number | null = null;
  let undelivered = 0;
  for (const id of held) {
    const at = seen.deliveredAt.get(id);
    if (at === undefined) undelivered += 1;
    else last = Math.max(last ?? at, at);
  }
  const failoverMs = held.size === 0 || undelivered > 0 || last === null ? null : Math.max(0, last - seen.killAt);
  let duplicated = 0;
  let notHeld = 0;
  let beforeKill = 0;
  for (const [key, arrivals] of seen.arrivalsByKey) {
    if (arrivals.length < 2) continue;
    duplicated += 1;
    if (!held.has(key)) notHeld += 1;
    if ([...arrivals].sort((x, y) => x - y)[1]! < seen.killAt) beforeKill += 1;
  }
  return {
    leaseMs: seen.leaseMs,
    leaseRenewMs: seen.leaseRenewMs,
    defaultLeaseMs: seen.defaultLeaseMs,
    heldAtKill: held.size,
    heldUndelivered: undelivered,
    failoverMs,
    impliedDefaultLeaseMs: failoverMs === null ? null : failoverMs + seen.defaultLeaseMs - seen.leaseMs,
    duplicatedDeliveries: duplicated,
    duplicatedNotHeld: notHeld,
    duplicatedBeforeKill: beforeKill,
    survivorAckedAfterKill: seen.survivorAckedAfterKill,
    survivorFailedEvents: seen.survivorFailedEvents,
  };
}

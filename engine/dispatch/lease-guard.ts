/**
 * Whether this replica may still send what it holds (PostgreSQL store, several replicas). Every
 * held delivery's lease is renewed by each heartbeat, so each runs at least until the last
 * successful heartbeat + the lease (a delivery claimed since runs longer). A replica cut off from
 * the store longer than its lease therefore stops sending what it held: by then another replica
 * may have claimed it. A delivery the heartbeat found owned by another replica (`lost`) is not
 * sent either. The check is in memory, made before each request; a request already under way
 * finishes (at most one request in flight per delivery beyond its lease).
 *
 * Without `renewed` ever called (one engine owns its store: SQLite) every lease holds.
 */
export class LeaseGuard {
  private validUntil = Number.POSITIVE_INFINITY;
  private lost: ReadonlySet<string> = new Set();

  /** A heartbeat that committed, begun at `at`: the leases run until at + leaseMs; `lost` names
   * the held deliveries another replica owns now. */
  renewed(at: number, leaseMs: number, lost: readonly string[]): void {
    this.validUntil = at + leaseMs;
    this.lost = new Set(lost);
  }

  /** True while `deliveryId` may be sent at `now`. */
  holds(deliveryId: string, now: number): boolean {
    return now < this.validUntil && !this.lost.has(deliveryId);
  }

  /** When the leases run out unless renewed; Infinity without replicas. */
  get expiresAt(): number {
    return this.validUntil;
  }
}

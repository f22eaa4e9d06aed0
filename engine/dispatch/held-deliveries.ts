/**
 * Backpressure: the ids of the deliveries the dispatcher holds in memory (queued, batching or in
 * flight), at most `maxHeld`. Past that, ingest leaves fresh deliveries due in the store; once
 * half of it is free again, `release` reports it (once each time it filled up), and the sweep
 * feeds the waiting work in.
 */
export class HeldDeliveries {
  private readonly ids = new Set<string>();
  private wasFull = false;

  constructor(readonly maxHeld: number) {}

  /** Every held id; the sweep passes over them when it claims. */
  get all(): ReadonlySet<string> {
    return this.ids;
  }

  /** Holds `id`; false when it is held already. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size >= this.maxHeld) this.wasFull = true;
    return true;
  }

  /** Lets `id` go; true when this reopened room after the dispatcher was full. */
  release(id: string): boolean {
    this.ids.delete(id);
    if (!this.wasFull || this.ids.size > this.maxHeld / 2) return false;
    this.wasFull = false;
    return true;
  }

  /** How many more it takes. Asking when there is none counts as being full. */
  room(): number {
    const room = this.maxHeld - this.ids.size;
    if (room <= 0) this.wasFull = true;
    return Math.max(0, room);
  }
}

/**
 * The in-memory half of `orderingKey` (the store's claim is the other half): within one
 * connector, at most one delivery per key is past this gate at a time; later ones wait here in
 * the order they arrived. Items without a key pass at once.
 *
 * When the delivery holding a key finishes, `finish` says what happens to the ones waiting
 * behind it: after a final outcome (delivered, dead) the next one passes; otherwise (the holder
 * went back to the store to be retried or to wait) they must go back to the store too, where the
 * claim keeps them behind it.
 */
import { Fifo } from './fifo.js';

export class OrderingQueue<T extends { readonly orderingKey: string | null }> {
  private readonly waiting = new Map<string, Fifo<T>>();
  /** The item holding each key. */
  private readonly holders = new Map<string, T>();

  /** True when `item` may go on now (it then holds its key); false when it was queued behind its key's holder. */
  admit(item: T): boolean {
    const key = item.orderingKey;
    if (key === null) return true;
    if (!this.holders.has(key)) {
      this.holders.set(key, item);
      return true;
    }
    let queue = this.waiting.get(key);
    if (queue === undefined) {
      queue = new Fifo();
      this.waiting.set(key, queue);
    }
    queue.push(item);
    return false;
  }

  /**
   * `item` left. When it held its key: after a final outcome the next waiting item, which now
   * holds the key, is returned in `next`; otherwise the key is freed and every waiting item is
   * returned in `giveBack`. An item that did not hold its key changes nothing.
   */
  finish(item: T, final: boolean): { next?: T; giveBack: T[] } {
    const key = item.orderingKey;
    if (key === null || this.holders.get(key) !== item) return { giveBack: [] };
    const queue = this.waiting.get(key);
    if (final) {
      const next = queue?.shift();
      if (next === undefined) {
        this.release(key);
        return { giveBack: [] };
      }
      this.holders.set(key, next);
      if (queue!.length === 0) this.waiting.delete(key);
      return { next, giveBack: [] };
    }
    const giveBack: T[] = [];
    while (queue !== undefined && queue.length > 0) giveBack.push(queue.shift()!);
    this.release(key);
    return { giveBack };
  }

  /** Every waiting item, removed (the connector stopped sending; they go back to the store).
   * Holders keep their keys until they finish. */
  drain(): T[] {
    const all: T[] = [];
    for (const queue of this.waiting.values()) while (queue.length > 0) all.push(queue.shift()!);
    this.waiting.clear();
    return all;
  }

  get size(): number {
    let n = 0;
    for (const queue of this.waiting.values()) n += queue.length;
    return n;
  }

  private release(key: string): void {
    this.holders.delete(key);
    this.waiting.delete(key);
  }
}

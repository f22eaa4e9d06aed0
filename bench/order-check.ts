/**
 * Checks per-key order at the receiver: each key's sequence numbers must arrive increasing. A
 * number at or below the highest seen for its key arrived after a later one (out of order), or is
 * that same delivery again (repeated: at-least-once allows it, order does not break). Gaps are
 * not violations here: a later arrival would show up as out of order.
 */

export interface OrderTally {
  readonly keys: number;
  readonly checked: number;
  readonly outOfOrder: number;
  readonly repeated: number;
  /** The first delivery out of order, e.g. `key k7: 3 after 5`. */
  readonly firstViolation: string | null;
}

export interface OrderCheck {
  see(key: string, seq: number): void;
  tally(): OrderTally;
}

export function createOrderCheck(): OrderCheck {
  const highest = new Map<string, number>();
  let checked = 0;
  let outOfOrder = 0;
  let repeated = 0;
  let firstViolation: string | null = null;
  return {
    see(key, seq) {
      checked += 1;
      const last = highest.get(key);
      if (last === undefined || seq > last) {
        highest.set(key, seq);
        return;
      }
      if (seq === last) {
        repeated += 1;
        return;
      }
      outOfOrder += 1;
      firstViolation ??= `key ${key}: ${seq} after ${last}`;
    },
    tally: () => ({ keys: highest.size, checked, outOfOrder, repeated, firstViolation }),
  };
}

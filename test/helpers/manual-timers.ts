/**
 * Timers (engine/dispatch/timers.ts) that fire only when the test says so. Each timer set is
 * recorded with its delay until it fires or is cleared; a fired timer is gone before its callback
 * runs, so the callback may set the next one.
 */
import type { Timers } from '../../engine/dispatch/timers.js';

export interface ManualTimers {
  readonly timers: Timers;
  /** The delays of the timers set and not yet fired or cleared, oldest first. */
  pending(): number[];
  /** Fires the oldest pending timer; fails when there is none. */
  fireNext(): void;
  /** Fires every timer pending now (not those their callbacks set). */
  fireAll(): void;
}

export function manualTimers(): ManualTimers {
  const pending = new Map<number, { readonly callback: () => void; readonly delayMs: number }>();
  let lastHandle = 0;
  const fire = (handle: number) => {
    const timer = pending.get(handle);
    if (timer === undefined) return;
    pending.delete(handle);
    timer.callback();
  };
  return {
    timers: {
      setTimeout(callback, delayMs) {
        pending.set(++lastHandle, { callback, delayMs });
        return lastHandle;
      },
      clearTimeout(handle) {
        pending.delete(handle as number);
      },
    },
    pending: () => [...pending.values()].map((timer) => timer.delayMs),
    fireNext() {
      const handle = pending.keys().next();
      if (handle.done === true) throw new Error('no timer is pending');
      fire(handle.value);
    },
    fireAll() {
      for (const handle of [...pending.keys()]) fire(handle);
    },
  };
}

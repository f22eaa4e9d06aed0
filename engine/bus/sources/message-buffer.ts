/**
 * Messages a client library has delivered and the runner has not taken yet, for adapters whose
 * broker pushes (a JetStream pull's replies, AMQP deliveries). `take` waits until some are there,
 * asking for more (`refill`) whenever the buffer is empty; once `fail` is called it rejects with
 * that error: the connection is gone.
 */
import { createWakeUp } from './wake-up.js';

export interface MessageBuffer<M> {
  push(message: M): void;
  /** Every later (and any waiting) `take` rejects with `error`. The first failure wins. */
  fail(error: unknown): void;
  /** Wakes a waiting `take` to look again (and refill): a pull request ended. */
  nudge(): void;
  /**
   * 1 to `max` messages, oldest first, as soon as any are there; none once `signal` aborts.
   * `refill(max)` is called each time the buffer is found empty, before waiting.
   */
  take(max: number, signal: AbortSignal, refill?: (max: number) => void): Promise<M[]>;
  /** Removes and returns what is buffered (when closing). */
  clear(): M[];
}

export function createMessageBuffer<M>(): MessageBuffer<M> {
  let messages: M[] = [];
  let failure: { error: unknown } | undefined;
  const arrived = createWakeUp();
  return {
    push(message) {
      messages.push(message);
      arrived.wake();
    },
    fail(error) {
      failure ??= { error };
      arrived.wake();
    },
    nudge() {
      arrived.wake();
    },
    async take(max, signal, refill) {
      for (;;) {
        if (failure) throw failure.error;
        if (messages.length > 0) return messages.splice(0, max);
        if (signal.aborted) return [];
        refill?.(max);
        await arrived.wait(signal);
      }
    },
    clear() {
      const cleared = messages;
      messages = [];
      return cleared;
    },
  };
}

/**
 * Waiting without polling: a WakeUp resolves every current waiter when `wake()` is called, when
 * their signal aborts, or when their timeout passes, whichever comes first. Never rejects.
 */

export interface WakeUp {
  wake(): void;
  wait(signal?: AbortSignal, timeoutMs?: number): Promise<void>;
}

export function createWakeUp(): WakeUp {
  let waiters = new Set<() => void>();
  return {
    wake() {
      const woken = waiters;
      waiters = new Set();
      for (const resolve of woken) resolve();
    },
    wait(signal, timeoutMs) {
      return new Promise<void>((resolve) => {
        if (signal?.aborted === true) return resolve();
        let timer: NodeJS.Timeout | undefined;
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          waiters.delete(done);
          resolve();
        };
        waiters.add(done);
        signal?.addEventListener('abort', done, { once: true });
        if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
      });
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return createWakeUp().wait(signal, ms);
}

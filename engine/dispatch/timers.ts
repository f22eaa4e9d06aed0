/**
 * The timers the dispatcher waits with (a rate limit's next token, a batch's maxWait). Injected
 * so unit tests can fire them by hand; the engine uses the real ones. Timestamps always come from
 * the injected clock; a timer only says when to look again.
 */
export interface Timers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

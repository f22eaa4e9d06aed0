/**
 * Typed signals: what one part of the engine tells whoever subscribed, named in one map per part
 * (as graphile-worker's `WorkerEvents`). Parts raise signals; the wiring file subscribes after
 * every part exists, so it reads top to bottom with no callback into a part declared later.
 *
 * Contract: `emit` runs listeners synchronously, in subscription order; one that throws (or whose
 * promise rejects) is reported to `onError` and the others still run, so a listener never breaks
 * the part that raised the signal. `emitSerial` is for a part that must not go on before its
 * listeners are done (a reload applied to the store): it awaits each in turn, and rejects with the
 * first failure.
 */

/** Signal name → the arguments its listeners receive. */
export type SignalMap = Record<string, readonly unknown[]>;

type Listener<Args extends readonly unknown[]> = (...args: Args) => unknown;

export class Signals<M extends SignalMap> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  constructor(private readonly onError: (error: unknown, signal: keyof M) => void) {}

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof M>(signal: K, listener: Listener<M[K]>): () => void {
    let set = this.listeners.get(signal);
    if (set === undefined) this.listeners.set(signal, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** True when someone listens: a caller may skip building the arguments otherwise. */
  heard(signal: keyof M): boolean {
    return (this.listeners.get(signal)?.size ?? 0) > 0;
  }

  emit<K extends keyof M>(signal: K, ...args: M[K]): void {
    for (const listener of this.listeners.get(signal) ?? []) {
      try {
        const result = (listener as Listener<M[K]>)(...args);
        if (result instanceof Promise) result.catch((error: unknown) => this.onError(error, signal));
      } catch (error) {
        this.onError(error, signal);
      }
    }
  }

  /** Calls the listeners one after another, waiting for each one's promise. */
  async emitSerial<K extends keyof M>(signal: K, ...args: M[K]): Promise<void> {
    for (const listener of [...(this.listeners.get(signal) ?? [])]) await (listener as Listener<M[K]>)(...args);
  }
}

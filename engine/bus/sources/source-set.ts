/**
 * The sources of a running engine, one runner each (source-runner.ts). `apply` brings the set in
 * line with the configuration after a load or reload: a removed source is drained (its messages
 * in flight stored and acknowledged) before it disconnects; a changed one is drained, then started
 * again with its new settings; a new one starts. Calls must not overlap (reloads never do).
 * Sources with `outcomes:` publish every outcome event of the engine back to their broker.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { CompiledSource } from '../../config/sources/compiled-source.js';
import type { SyncEvent } from '../../model.js';
import { Signals } from '../../signals.js';
import type { AcceptResult } from '../../store/store.js';
import type { SourceAdapter } from './source-adapter.js';
import { startSourceRunner, type SourceRunner, type SourceSignals } from './source-runner.js';
import type { SourceStatus } from './source-tally.js';

export interface SourceSetOptions {
  readonly ingest: (events: readonly SyncEvent[], via: string) => Promise<readonly AcceptResult[]>;
  readonly createAdapter: (source: CompiledSource) => Promise<SourceAdapter>;
  /** Subscribes to the engine's outcome events; returns the function that unsubscribes. Used
   * only while some source has `outcomes:`, so an engine without pays nothing for them. */
  readonly subscribeOutcomes: (listener: (event: SyncEvent) => void) => () => void;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  readonly drainTimeoutMs: number;
}

export interface SourceSet {
  /** Accepted and rejected messages per source, for metrics. */
  readonly signals: Signals<SourceSignals>;
  apply(sources: readonly CompiledSource[]): Promise<void>;
  /** In configuration order. */
  status(): SourceStatus[];
  /** Drains and stops every source. */
  close(): Promise<void>;
}

interface Running {
  readonly source: CompiledSource;
  readonly runner: SourceRunner;
}

export function createSourceSet(options: SourceSetOptions): SourceSet {
  const signals = new Signals<SourceSignals>((error) => options.logger.error({ err: error }, 'a source signal listener failed'));
  let running: Running[] = [];
  let unsubscribe: (() => void) | undefined;
  const publishOutcome = (event: SyncEvent) => {
    for (const entry of running) entry.runner.publish(event);
  };

  const start = (source: CompiledSource): Running => ({ source, runner: startSourceRunner({ ...options, source, signals }) });

  return {
    signals,
    async apply(sources) {
      const wanted = new Map(sources.map((source) => [source.name, source]));
      const unchanged = (entry: Running) => wanted.get(entry.source.name)?.revision === entry.source.revision;
      const leaving = running.filter((entry) => !unchanged(entry));
      await Promise.all(leaving.map((entry) => entry.runner.stop()));
      const kept = new Map(running.filter(unchanged).map((entry) => [entry.source.name, entry]));
      running = sources.map((source) => kept.get(source.name) ?? start(source));
      const publishing = sources.some((source) => source.outcomes !== undefined);
      if (publishing) unsubscribe ??= options.subscribeOutcomes(publishOutcome);
      else {
        unsubscribe?.();
        unsubscribe = undefined;
      }
    },
    status: () => running.map((entry) => entry.runner.status()),
    async close() {
      unsubscribe?.();
      unsubscribe = undefined;
      const stopping = running;
      running = [];
      await Promise.all(stopping.map((entry) => entry.runner.stop()));
    },
  };
}

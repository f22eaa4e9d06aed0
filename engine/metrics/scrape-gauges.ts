/**
 * The gauges, computed when `/metrics` is scraped: what waits in the store (one query through
 * indexes of the unfinished, parked and dead states, never the delivered rows: see
 * Store.backlog), whether each connector sends, the store's size and health, and the
 * configuration in force. Each scrape sets every series afresh, so a connector that is gone
 * leaves no stale series behind.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';

/** What the gauges read, handed in by the wiring (engine.ts) from the store, dispatcher and config. */
export interface ScrapeSources {
  /** What waits in it, its size, whether it can write. */
  readonly store: Pick<Store, 'backlog' | 'size' | 'health'>;
  /** Whether each configured connector sends now (false while it is disabled by a 410, paused by a
   * 429 or its breaker is open), by name. */
  sending(): Readonly<Record<string, boolean>>;
  /** Problems in the connector files (each file set aside or serving its last good version). */
  configProblems(): number;
  /** The configuration revision label in force. */
  revision(): string;
  /** Live replicas per configuration revision label; absent: this engine alone (SQLite). */
  revisions?(): Promise<Readonly<Record<string, number>>>;
}

/** The states `hms_sync_deliveries` has a series for. Delivered ones are counted by
 * `hms_sync_deliveries_total`: counting those kept in the store would read every one. */
const GAUGE_STATES = ['pending', 'inflight', 'retrying', 'parked', 'dead', 'discarded'] as const;

export function createScrapeGauges(registry: Registry, sources: ScrapeSources, clock: Clock, version: string) {
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const deliveries = gauge('hms_sync_deliveries', 'Deliveries in the store now, by state; delivered ones are counted by hms_sync_deliveries_total.', ['connector', 'state']);
  const oldestAge = gauge('hms_sync_oldest_pending_age_seconds', 'Age of the oldest unfinished (pending, inflight or retrying) delivery, since its event was accepted; 0 when none.', ['connector']);
  const up = gauge('hms_sync_connector_up', '1 when the connector sends; 0 while it is paused (by its file or an operator, or by a 429), disabled by a 410 or its circuit breaker is open.', ['connector']);
  const sizeBytes = gauge('hms_sync_store_size_bytes', 'Bytes the store takes on disk (SQLite database and write-ahead log).');
  const writable = gauge('hms_sync_store_writable', '1 when the store can write; 0 after a write failed on its disk, until events are stored again.');
  const problems = gauge('hms_sync_config_problems', 'Problems in the connector files; a file with problems is set aside or serves its last good version.');
  const configInfo = gauge('hms_sync_config_info', 'Always 1; the configuration revision in force is its label.', ['revision']);
  const revisions = gauge('hms_sync_config_revisions', 'Live replicas per configuration revision (its label); more than one series means config skew across replicas.', ['revision']);
  const buildInfo = gauge('hms_sync_build_info', 'Always 1; the hms-sync version and the Node.js version are its labels.', ['version', 'node']);
  buildInfo.set({ version, node: process.version }, 1);

  return {
    async update(): Promise<void> {
      // A store that cannot be read (a failing disk) leaves its delivery gauges out of this scrape
      // (and its size at the last value read); the others, hms_sync_store_writable first, answer.
      const [backlog, bytes, perRevision] = await Promise.all([
        sources.store.backlog().catch(() => undefined),
        sources.store.size().then((size) => size.sizeBytes, () => undefined),
        sources.revisions ? sources.revisions().catch(() => undefined) : { [sources.revision()]: 1 },
      ]);
      const sending = sources.sending();
      const now = clock.now();
      for (const metric of [deliveries, oldestAge, up, configInfo]) metric.reset();
      if (perRevision !== undefined) {
        revisions.reset();
        for (const [revision, count] of Object.entries(perRevision)) revisions.set({ revision }, count);
      }
      const waiting = new Map((backlog ?? []).map((entry) => [entry.connector, entry]));
      for (const connector of backlog === undefined ? [] : new Set([...Object.keys(sending), ...waiting.keys()])) {
        const stored = waiting.get(connector);
        for (const state of GAUGE_STATES) deliveries.set({ connector, state }, stored?.[state] ?? 0);
        const oldest = stored?.oldestWaitingAt ?? null;
        oldestAge.set({ connector }, oldest === null ? 0 : Math.max(0, now - oldest) / 1000);
      }
      for (const [connector, isSending] of Object.entries(sending)) up.set({ connector }, isSending ? 1 : 0);
      if (bytes !== undefined) sizeBytes.set(bytes);
      writable.set(sources.store.health().writable ? 1 : 0);
      problems.set(sources.configProblems());
      configInfo.set({ revision: sources.revision() }, 1);
    },
  };
}

/**
 * What retention keeps, and for how long: the engine's settings (flags, env, the engine file),
 * each connector's `retention` over them, and the pure function that turns both into the cutoffs
 * of one run (the store's RetentionPolicy). Nothing here deletes; sweep/retention.ts runs it.
 */
import type { CompiledConnector } from '../config/compiled.js';
import type { FinishedCutoffs, RetentionPolicy } from '../store/store.js';

const DAY_MS = 86_400_000;

/** How long a delivered delivery is kept after delivery unless --retain-delivered says otherwise. */
export const DEFAULT_RETAIN_DELIVERED_MS = 7 * DAY_MS;
/** How long an event body is kept at least unless --retain-events says otherwise. */
export const DEFAULT_RETAIN_EVENTS_MS = 30 * DAY_MS;

/** The engine's retention settings (EngineOptions.retention), durations in ms. */
export interface RetentionSettings {
  /** A delivered delivery and its attempts are deleted this long after delivery (--retain-delivered). */
  readonly deliveredMs: number;
  /** An event is kept at least this long, whatever its deliveries; then it is deleted once none of
   * them remains (--retain-events). Events that matched no route too. */
  readonly eventsMs: number;
  /** A dead delivery is deleted this long after it died; null keeps it until an operator retries
   * it (--retain-dead, default never). */
  readonly deadMs: number | null;
  /** The disk guard (--max-store-size): past this size retention deletes the oldest delivered
   * deliveries whatever their age, and ingest answers 507 STORE_FULL while still past it. Null: none. */
  readonly maxStoreBytes: number | null;
}

export const DEFAULT_RETENTION: RetentionSettings = Object.freeze({
  deliveredMs: DEFAULT_RETAIN_DELIVERED_MS,
  eventsMs: DEFAULT_RETAIN_EVENTS_MS,
  deadMs: null,
  maxStoreBytes: null,
});

/** What a run at `now` may delete: every connector's cutoffs from its own `retention`, falling
 * back field by field to the engine's settings, which also hold for connectors no longer configured. */
export function retentionPolicy(settings: RetentionSettings, connectors: readonly CompiledConnector[], now: number): RetentionPolicy {
  const cutoffs = (deliveredMs: number, deadMs: number | null): FinishedCutoffs => ({
    deliveredBefore: now - deliveredMs,
    deadBefore: deadMs === null ? null : now - deadMs,
  });
  const own = new Map<string, FinishedCutoffs>();
  for (const { name, retention } of connectors) {
    if (retention === undefined) continue;
    own.set(name, cutoffs(retention.deliveredMs ?? settings.deliveredMs, retention.deadMs === undefined ? settings.deadMs : retention.deadMs));
  }
  return { ...cutoffs(settings.deliveredMs, settings.deadMs), eventsBefore: now - settings.eventsMs, connectors: own };
}

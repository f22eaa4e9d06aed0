/** A replay's dry run: what it would create, counted by scanning exactly as the replay would,
 * creating nothing. */
import type { ReplaySpec, Store } from '../../store/store.js';
import { ReplayCursor } from './replay-cursor.js';
import { createReplayMatcher, type PlanRoutes } from './replay-matcher.js';

/** Event ids a dry run shows. */
export const DRY_RUN_SAMPLE_SIZE = 20;

export interface ReplayDryRun {
  readonly spec: ReplaySpec;
  /** Events that would get deliveries. */
  readonly matched: number;
  /** The deliveries they would get (one per route that takes them). */
  readonly deliveries: number;
  readonly skippedByRetention: number;
  /** The first matched event ids, in acceptance order. */
  readonly sample: readonly string[];
  /** How long creating them takes at the replay's pace (live traffic first may stretch it). */
  readonly estimatedSeconds: number;
}

export async function dryRunReplay(store: Store, spec: ReplaySpec, planRoutes: PlanRoutes): Promise<ReplayDryRun> {
  const cursor = new ReplayCursor(store, spec, createReplayMatcher(spec, planRoutes), null);
  const counts = { matched: 0, deliveries: 0, skippedByRetention: 0 };
  const sample: string[] = [];
  for (let done = false; !done; ) {
    const taken = await cursor.take(Number.POSITIVE_INFINITY);
    for (const event of taken.events) {
      counts.deliveries += event.routes.length;
      if (sample.length < DRY_RUN_SAMPLE_SIZE) sample.push(event.id);
    }
    counts.matched += taken.events.length;
    counts.skippedByRetention += taken.skipped;
    done = taken.done;
  }
  return { spec, ...counts, sample, estimatedSeconds: Math.ceil(counts.deliveries / spec.perSecond) };
}

/**
 * Walks a replay's window in acceptance order and hands out its matching events a few deliveries
 * at a time. The store is read a stretch of positions ahead (SCAN_POSITIONS) and each event is
 * judged once (replay-matcher.ts); what is judged but not handed out yet waits here, in memory.
 *
 * Contract: `position` only passes an event once it has been handed out (or was skipped or taken
 * by nothing), so a replay that records `position` with the deliveries of the events handed out
 * can start a new cursor there after a crash and miss nothing, repeat nothing. A dry run and a
 * replay walk the same way, so their counts agree.
 */
import type { ReplayScan, ReplaySpec, ScannedEvent, Store } from '../../store/store.js';
import type { ReplayMatcher, Verdict } from './replay-matcher.js';

/** Positions read from the store per call: about a millisecond of SQLite per 1,000. */
export const SCAN_POSITIONS = 1_000;
/** Most store reads in one `take`, so a long stretch of events nothing takes yields in between. */
export const SCANS_PER_TAKE = 10;

/** An event handed out, with the routes it takes. */
export type MatchedEvent = ScannedEvent & Extract<Verdict, { kind: 'matched' }>;

export interface Taken {
  readonly events: readonly MatchedEvent[];
  /** Matching events skipped, accepted before the replay's `retainedSince`. */
  readonly skipped: number;
  /** Every event at or before it is handed out or passed over; null when nothing was reached yet. */
  readonly position: number | null;
  /** True when the window holds nothing more to hand out. */
  readonly done: boolean;
}

type Judged = { readonly stored: ScannedEvent; readonly verdict: Exclude<Verdict, { kind: 'none' }> };

export class ReplayCursor {
  private readonly judged: Judged[] = [];
  private scannedThrough: number | null;
  private scanDone = false;

  /** Starts after `position` (a replay's recorded position), or at the window's start with null. */
  constructor(
    private readonly store: Pick<Store, 'scanReplayEvents'>,
    private readonly spec: ReplaySpec,
    private readonly matcher: ReplayMatcher,
    private position: number | null,
  ) {
    this.scannedThrough = position;
  }

  /**
   * The next matching events, as many as fit in `budget` deliveries (at least one event when the
   * budget is positive, however many routes it takes), and the skipped ones before them.
   */
  async take(budget: number): Promise<Taken> {
    const events: MatchedEvent[] = [];
    let skipped = 0;
    let deliveries = 0;
    let scans = 0;
    for (;;) {
      const head = this.judged[0];
      if (head === undefined) {
        if (this.scanDone || scans === SCANS_PER_TAKE || deliveries >= budget) break;
        await this.scan();
        scans += 1;
        if (this.judged.length === 0) this.position = this.scannedThrough;
        continue;
      }
      if (head.verdict.kind === 'matched') {
        const routes = head.verdict.routes.length;
        if (budget <= 0 || (deliveries > 0 && deliveries + routes > budget)) break;
        events.push({ ...head.stored, ...head.verdict });
        deliveries += routes;
      } else {
        skipped += 1;
      }
      this.judged.shift();
      this.position = this.judged.length === 0 ? this.scannedThrough : head.stored.position;
    }
    return { events, skipped, position: this.position, done: this.scanDone && this.judged.length === 0 };
  }

  private async scan(): Promise<void> {
    const scan: ReplayScan = {
      since: this.spec.since,
      until: this.spec.until,
      after: this.scannedThrough,
      limit: SCAN_POSITIONS,
      ...(this.spec.mode === 'backfill' && { withoutDeliveryOf: this.spec.connector }),
    };
    const page = await this.store.scanReplayEvents(scan);
    for (const stored of page.events) {
      const verdict = await this.matcher(stored);
      if (verdict.kind !== 'none') this.judged.push({ stored, verdict });
    }
    this.scannedThrough = page.through;
    this.scanDone = page.done;
  }
}

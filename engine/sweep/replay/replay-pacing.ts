/**
 * A replay's pace: it creates at most `perSecond` deliveries a second on average, counted from
 * when it last resumed. While it waits (its connector holds, the dispatcher is busy with live
 * work) it earns nothing, so it never makes up for lost time in a burst. Pure: time is passed in.
 */

/** Most deliveries one step creates, in one store transaction. */
export const MAX_STEP_DELIVERIES = 500;

export class ReplayPace {
  private since: number;
  private created = 0;

  constructor(
    private readonly perSecond: number,
    nowMs: number,
  ) {
    this.since = nowMs;
  }

  /** How many deliveries may be created now (at most MAX_STEP_DELIVERIES). */
  allowance(nowMs: number): number {
    const earned = Math.floor(((nowMs - this.since) * this.perSecond) / 1000) - this.created;
    return Math.max(0, Math.min(MAX_STEP_DELIVERIES, earned));
  }

  /** Counts deliveries created. */
  spent(deliveries: number): void {
    this.created += deliveries;
  }

  /** The replay waited: the pace starts over from now, with nothing earned. */
  restart(nowMs: number): void {
    this.since = nowMs;
    this.created = 0;
  }

  /** Ms until the next delivery is earned, from `nowMs`. */
  untilNext(nowMs: number): number {
    const next = this.since + ((this.created + 1) * 1000) / this.perSecond;
    return Math.max(0, Math.ceil(next - nowMs));
  }
}

/**
 * The connector-wide rules of one connector: what an answer does to the whole connector, and
 * whether it may send now. Every rule is computed, applied and read here, over time passed in;
 * nothing here writes, logs or sets a timer. Each transition returns what changed, and the
 * dispatcher records and logs that (report-connector-changes.ts).
 *
 * States (several may hold at once; `hold` names the first that does):
 *   paused-by-operator  its file says `paused: true` (a pause by pull request), or an operator
 *                 paused it (POST /connectors/:name/pause; kept in the store across restarts and
 *                 reloads). It sends nothing while either holds: `resume` ends the operator's pause
 *                 only, and only a version of the file without `paused: true` ends the file's.
 *   disabled      the target answered 410 Gone (and `retry.on` does not retry 410) while the
 *                 connector had revision R. It sends nothing while its revision is R; `reconcile`
 *                 with another revision (its file changed) enables it again.
 *   paused        the target answered 429: nothing starts before `pausedUntil` (see
 *                 THROTTLE_PAUSE_MS). A later 429 can only lengthen the pause; it ends by itself.
 *   breaker-open  the circuit breaker (circuit-breaker.ts) is open: closed -> open after
 *                 `breaker.failures` failures in a row -> half-open after the cooldown, with one
 *                 probe at a time -> closed (the probe succeeded) or open again (it failed).
 *   active        none of these: requests start as `concurrency` and `rateLimit` allow.
 */
import type { CompiledConnector } from '../config/compiled.js';
import { CircuitBreaker, type BreakerSignal, type BreakerStatus } from './circuit-breaker.js';
import type { Judgement } from './judge-attempt.js';
import { TokenBucket } from './rate-limiter.js';

/**
 * The 429 rule: a 429 stops the whole connector (every route) from starting requests until its
 * Retry-After has passed, or for THROTTLE_PAUSE_MS when it has none, bounded by
 * `retry.maxRetryAfter`. Requests in flight finish; deliveries waiting in memory go back to the
 * store, due when the pause ends, attempts untouched.
 */
export const THROTTLE_PAUSE_MS = 5_000;

export type HoldReason = 'paused-by-operator' | 'disabled' | 'paused' | 'breaker-open';

export interface Hold {
  readonly reason: HoldReason;
  /** When the held deliveries are due again in the store. */
  readonly dueAt: number;
  /** True when the hold ends by itself at `dueAt` (a 429 pause, an open breaker); false when only
   * a change ends it (a new version of the file, an operator's resume). */
  readonly timed: boolean;
}

/** An operator's pause: who paused the connector, and when. */
export interface OperatorPause {
  readonly by: string;
  readonly since: number;
}

export interface Disabled {
  /** The connector revision that answered 410; a different revision is enabled again. */
  readonly revision: string;
  readonly since: number;
  readonly reason: string;
}

/** What a transition changed, for the record and the log. */
export type ConnectorChange =
  | { readonly kind: 'disabled'; readonly disabled: Disabled }
  | { readonly kind: 'enabled' }
  /** A pause started (a 429 while not paused); lengthening one is not a change worth a line. */
  | { readonly kind: 'paused'; readonly until: number }
  | { readonly kind: 'operator-paused'; readonly pause: OperatorPause }
  | { readonly kind: 'operator-resumed'; readonly by: string }
  /** The file started or stopped saying `paused: true` (seen at start and after each reload). */
  | { readonly kind: 'file-paused' }
  | { readonly kind: 'file-resumed' }
  | { readonly kind: 'breaker-opened'; readonly breaker: BreakerStatus }
  | { readonly kind: 'breaker-closed' };

export interface ConnectorStateStatus {
  readonly state: 'active' | HoldReason;
  /** Who holds a pause by an operator: its file, an operator, or both; null when neither does. */
  readonly pausedBy: { readonly file: boolean; readonly operator: OperatorPause | null } | null;
  readonly disabled: Disabled | null;
  readonly pausedUntil: number | null;
  readonly breaker: BreakerStatus | null;
  readonly rateLimit: { readonly perSecond: number; readonly burst: number; readonly available: number } | null;
}

/** What the store kept of a connector from before this start. */
export interface KeptState {
  /** The 410 record, if any. */
  readonly disabled?: Disabled;
  /** An operator's pause, if any. */
  readonly operatorPause?: OperatorPause;
}

export class ConnectorState {
  private disabled: Disabled | undefined;
  private operatorPause: OperatorPause | undefined;
  /** Whether the file said `paused: true` at the last reconcile; undefined before the first. */
  private filePaused: boolean | undefined;
  private pausedUntil = 0;
  private readonly breaker = new CircuitBreaker();
  private bucket: TokenBucket | undefined;
  /** Replicas the connector's rateLimit is split among (this one takes 1/share of it). */
  private share = 1;

  constructor(kept: KeptState = {}) {
    this.disabled = kept.disabled;
    this.operatorPause = kept.operatorPause;
  }

  /**
   * Brings the state in line with the connector's current configuration (after a reload, and at
   * start): a 410 record of another revision is dropped, a breaker the file no longer has is
   * reset, and the file's pause is noted. Returns `enabled` when the connector may send again, and
   * `file-paused` or `file-resumed` when the file's pause began (or holds at start) or ended.
   */
  reconcile(connector: CompiledConnector): ConnectorChange[] {
    const changes: ConnectorChange[] = [];
    if (connector.breaker === undefined) this.breaker.reset();
    if (connector.paused !== (this.filePaused ?? false)) changes.push({ kind: connector.paused ? 'file-paused' : 'file-resumed' });
    this.filePaused = connector.paused;
    if (this.disabled !== undefined && this.disabled.revision !== connector.revision) {
      this.disabled = undefined;
      changes.push({ kind: 'enabled' });
    }
    return changes;
  }

  /**
   * Takes the operator's pause and the 410 disable another replica recorded in the shared store
   * (undefined: none), replacing this replica's, and a 429's pause until `pausedUntil` when it
   * ends later than this replica's own. Returns no changes: they are in the store already.
   */
  adopt(kept: KeptState & { readonly pausedUntil?: number }): void {
    this.operatorPause = kept.operatorPause;
    this.disabled = kept.disabled;
    this.pausedUntil = Math.max(this.pausedUntil, kept.pausedUntil ?? 0);
  }

  /** Splits the rateLimit among `replicas` live replicas: this one starts limit / replicas requests
   * per second (its bucket restarts at the new rate). */
  shareLimit(replicas: number): void {
    this.share = Math.max(1, replicas);
  }

  /** An operator pauses the connector. Pausing it again changes nothing: the first pause is kept. */
  pause(by: string, nowMs: number): ConnectorChange[] {
    if (this.operatorPause !== undefined) return [];
    this.operatorPause = { by, since: nowMs };
    return [{ kind: 'operator-paused', pause: this.operatorPause }];
  }

  /** An operator resumes the connector: the operator's pause ends; the file's, if any, holds on. */
  resume(by: string): ConnectorChange[] {
    if (this.operatorPause === undefined) return [];
    this.operatorPause = undefined;
    return [{ kind: 'operator-resumed', by }];
  }

  /** Why nothing may start now (held work goes back to the store until `dueAt`), or undefined. */
  hold(connector: CompiledConnector, nowMs: number): Hold | undefined {
    if (connector.paused || this.operatorPause !== undefined) return { reason: 'paused-by-operator', dueAt: nowMs, timed: false };
    if (this.disabled !== undefined && this.disabled.revision === connector.revision) return { reason: 'disabled', dueAt: nowMs, timed: false };
    if (nowMs < this.pausedUntil) return { reason: 'paused', dueAt: this.pausedUntil, timed: true };
    const openUntil = connector.breaker === undefined ? undefined : this.breaker.blockedUntil(nowMs);
    return openUntil === undefined ? undefined : { reason: 'breaker-open', dueAt: openUntil, timed: true };
  }

  /** True when a request may start now: no hold, and no breaker probe in flight. */
  canStart(connector: CompiledConnector, nowMs: number): boolean {
    return this.hold(connector, nowMs) === undefined && (connector.breaker === undefined || this.breaker.canStart(nowMs));
  }

  /** Call as a request starts (`canStart` must be true); returns true when it is the breaker's probe. */
  startRequest(connector: CompiledConnector, nowMs: number): boolean {
    return connector.breaker !== undefined && this.breaker.start(nowMs);
  }

  /** Takes a rate-limit token: 0 when a request may start, else ms until the next token. */
  takeToken(connector: CompiledConnector, nowMs: number): number {
    const perSecond = this.perSecond(connector);
    if (perSecond === undefined) {
      this.bucket = undefined;
      return 0;
    }
    if (this.bucket?.perSecond !== perSecond) this.bucket = new TokenBucket(perSecond, nowMs);
    return this.bucket.take(nowMs);
  }

  /**
   * What one answer does to the connector; `judgement` is undefined when nothing was sent (the
   * request could not be rendered), `probe` what `startRequest` returned for it.
   */
  observe(judgement: Judgement | undefined, probe: boolean, connector: CompiledConnector, nowMs: number): ConnectorChange[] {
    const changes: ConnectorChange[] = [];
    const status = judgement?.status ?? null;
    if (status === 410 && judgement?.verdict.kind === 'dead' && this.disabled === undefined) {
      this.disabled = { revision: connector.revision, since: nowMs, reason: 'the target answered 410 Gone' };
      changes.push({ kind: 'disabled', disabled: this.disabled });
    }
    if (status === 429) {
      const until = nowMs + (judgement?.retryAfterMs ?? Math.min(THROTTLE_PAUSE_MS, connector.retry.maxRetryAfterMs));
      if (until > nowMs && until > this.pausedUntil) {
        if (this.pausedUntil <= nowMs) changes.push({ kind: 'paused', until });
        this.pausedUntil = until;
      }
    }
    const transition = this.breaker.record(breakerSignal(judgement), probe, connector.breaker, nowMs);
    if (transition === 'opened') changes.push({ kind: 'breaker-opened', breaker: this.breaker.status(nowMs) });
    if (transition === 'closed') changes.push({ kind: 'breaker-closed' });
    return changes;
  }

  /** This replica's share of the connector's rate limit, per second. */
  private perSecond(connector: CompiledConnector): number | undefined {
    const limit = connector.rateLimit?.perSecond;
    return limit === undefined ? undefined : limit / this.share;
  }

  status(connector: CompiledConnector | undefined, nowMs: number): ConnectorStateStatus {
    const hold = connector === undefined ? undefined : this.hold(connector, nowMs);
    const perSecond = connector === undefined ? undefined : this.perSecond(connector);
    // A connector that never sent has no bucket yet: show a full one.
    const bucket = perSecond === undefined ? undefined : this.bucket?.perSecond === perSecond ? this.bucket : new TokenBucket(perSecond, nowMs);
    const disabled = this.disabled !== undefined && this.disabled.revision === connector?.revision ? this.disabled : null;
    const file = connector?.paused ?? false;
    return {
      state: hold?.reason ?? 'active',
      pausedBy: file || this.operatorPause !== undefined ? { file, operator: this.operatorPause ?? null } : null,
      disabled,
      pausedUntil: nowMs < this.pausedUntil ? this.pausedUntil : null,
      breaker: connector?.breaker === undefined ? null : this.breaker.status(nowMs),
      rateLimit: bucket === undefined ? null : { perSecond: bucket.perSecond, burst: bucket.burst, available: bucket.available(nowMs) },
    };
  }
}

/** What an answer says about the target's health: a retryable failure other than 429 counts
 * against it, a 429 or nothing sent says nothing, any other answer shows it up. */
function breakerSignal(judgement: Judgement | undefined): BreakerSignal {
  if (judgement === undefined || judgement.status === 429) return 'neutral';
  return judgement.verdict.kind === 'retry' ? 'failure' : 'success';
}

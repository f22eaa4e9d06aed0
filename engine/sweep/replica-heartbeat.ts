/**
 * The replica's heartbeat on a shared store (PostgreSQL): every `renewMs` it records itself (its
 * revision, how many deliveries it holds) and renews the leases of every delivery its dispatcher
 * holds, in one transaction; the lease guard then lets the dispatcher send them until that
 * heartbeat + the lease. It keeps the live replicas it last saw, for readiness (config skew) and
 * for splitting connector-wide limits, and signals `replicas` when their number changes.
 *
 * A heartbeat that fails (the store is unreachable) is logged once per outage and tried again on
 * schedule; the leases then run out at the last success + the lease, and the dispatcher stops
 * sending what it held. Heartbeats never overlap. Contract: `renewMs` is well below the lease
 * (the default 10 s against 30 s survives two missed heartbeats).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { LeaseGuard } from '../dispatch/lease-guard.js';
import type { Timers } from '../dispatch/timers.js';
import { Signals } from '../signals.js';
import type { ReplicaCoordination, ReplicaView } from '../store/replicas.js';

export type ReplicaHeartbeatSignals = {
  /** The number of live replicas changed (this one included). */
  replicas: [live: number];
  /** A heartbeat was recorded: this replica is live until it + the lease. */
  beat: [];
};

export interface ReplicaHeartbeatOptions {
  readonly replicas: ReplicaCoordination;
  readonly dispatcher: Pick<Dispatcher, 'held'>;
  readonly leases: LeaseGuard;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly revision: () => string;
  readonly renewMs: number;
}

export interface ReplicaHeartbeat {
  readonly signals: Signals<ReplicaHeartbeatSignals>;
  /** One heartbeat now; resolves false when it failed (logged). */
  beat(): Promise<boolean>;
  /** Heartbeats every renewMs from now on. */
  start(): void;
  /** The live replicas at the last successful heartbeat. */
  live(): readonly ReplicaView[];
  /** Stops; a heartbeat under way finishes. Idempotent. */
  close(): Promise<void>;
}

export function createReplicaHeartbeat(options: ReplicaHeartbeatOptions): ReplicaHeartbeat {
  const { replicas, dispatcher, leases, clock, timers, logger } = options;
  const signals = new Signals<ReplicaHeartbeatSignals>((error, signal) => logger.error({ err: error, signal }, 'a heartbeat listener failed'));
  let live: readonly ReplicaView[] = [];
  let failing = false;
  let timer: unknown;
  let closed = false;
  let running: Promise<boolean> | undefined;

  async function once(): Promise<boolean> {
    const now = clock.now();
    try {
      const result = await replicas.heartbeat({ now, revision: options.revision(), held: [...dispatcher.held] });
      leases.renewed(now, replicas.self.leaseMs, result.lost);
      if (failing) logger.info('heartbeat recorded again; the leases held are renewed');
      failing = false;
      const before = live.length;
      live = result.live;
      if (live.length !== before) signals.emit('replicas', live.length);
      signals.emit('beat');
      return true;
    } catch (error) {
      if (!failing) logger.warn({ err: error, leasesUntil: new Date(leases.expiresAt).toISOString() }, 'heartbeat failed; past the lease this replica stops sending what it holds, and other replicas take it over');
      failing = true;
      return false;
    }
  }

  function beat(): Promise<boolean> {
    running ??= once().finally(() => (running = undefined));
    return running;
  }

  function schedule(): void {
    if (closed) return;
    timer = timers.setTimeout(() => void beat().finally(schedule), options.renewMs);
  }

  return {
    signals,
    beat,
    start: schedule,
    live: () => live,
    async close() {
      closed = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      await running;
    },
  };
}

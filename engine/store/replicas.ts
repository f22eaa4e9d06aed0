/**
 * What replicas sharing one store (PostgreSQL) know of each other. A store that one engine owns
 * alone (SQLite: an exclusive lock on its file) has no `replicas` and needs none.
 *
 * Glossary:
 * - replica: one engine process on the shared store, with a random id chosen at start.
 * - lease: a delivery held by one replica (`inflight`, its `owner`) until `nextAttemptAt`; the
 *   holder renews it with each heartbeat while it holds the delivery in memory.
 * - live: a replica whose last heartbeat is younger than its lease. The leases of a replica that
 *   is not live expire on their own, and any replica then claims the deliveries.
 *
 * Contract:
 * - `heartbeat` renews, in one transaction, the leases of `held` this replica still owns until
 *   now + leaseMs, and records the replica's heartbeat; `lost` names the held deliveries another
 *   replica owns now (claimed after this one's lease expired): this replica must not send them.
 * - Records and requeues of a delivery another replica owns change nothing (see Store).
 * - Closing the store is the replica's clean leave: it is removed and its leases end (its
 *   deliveries are due at once for other replicas).
 * - A running replay has a runner, the replica that advances it (the one that started it, or
 *   adopted it); only the runner records its steps. `adoptReplays` makes this replica the runner
 *   of every running replay whose runner is not live (killed, cut off longer than its lease) or
 *   that has none (its runner left cleanly), and names them; the caller must run them.
 * - `exclusive` runs `run` only while no other replica runs work of the same kind (an advisory
 *   lock held for the call); another replica's call at the same time skips (`ran: false`).
 */

export interface ReplicaIdentity {
  /** Random, chosen at start, plus the hostname for people. */
  readonly id: string;
  readonly hostname: string;
  /** The engine's package version. */
  readonly version: string;
  /** How long the leases it takes last, ms: it is live while heartbeatAt + leaseMs > now. */
  readonly leaseMs: number;
}

export interface ReplicaView {
  readonly id: string;
  readonly hostname: string;
  readonly version: string;
  /** Its connectors' config revision label. */
  readonly revision: string;
  /** When it adopted `revision`. */
  readonly revisionSince: number;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  /** Deliveries it held at its last heartbeat. */
  readonly heldDeliveries: number;
}

export interface Heartbeat {
  readonly now: number;
  readonly revision: string;
  /** Every delivery the replica holds in memory. */
  readonly held: readonly string[];
}

export interface HeartbeatResult {
  /** Held deliveries another replica owns now. */
  readonly lost: readonly string[];
  /** The live replicas, this one included, oldest first. */
  readonly live: readonly ReplicaView[];
}

/** A running replay this replica became the runner of; `previous` was its runner (null: none). */
export interface AdoptedReplay {
  readonly id: string;
  readonly previous: string | null;
}

/** What a wake-up says: work may be due now (`due`), or a connector-wide state changed
 * (`connectors`: an operator's pause or resume, a 410 disable or its end). */
export type WakeKind = 'due' | 'connectors';

/** Kinds of maintenance one replica at a time does. */
export type ExclusiveKind = 'retention' | 'redrive' | 'backfill';

export interface ReplicaCoordination {
  readonly self: ReplicaIdentity;
  heartbeat(beat: Heartbeat): Promise<HeartbeatResult>;
  /** The live replicas now, oldest first. A read. */
  live(now: number): Promise<ReplicaView[]>;
  exclusive<T>(kind: ExclusiveKind, run: () => Promise<T>): Promise<{ readonly ran: true; readonly value: T } | { readonly ran: false }>;
  /** Records that a 429 paused `connector` until `until` (a later pause wins), for every replica. */
  throttle(connector: string, until: number): Promise<void>;
  /** Becomes the runner of the running replays whose runner is not live at `now`, or have none,
   * but none of the connectors in `busy` (this replica runs a replay of each already). */
  adoptReplays(now: number, busy: readonly string[]): Promise<AdoptedReplay[]>;
  /** The connectors paused by a 429 past `now`, with their ends. A read. */
  throttles(now: number): Promise<ReadonlyMap<string, number>>;
  /** Calls `onWake` when any replica (this one included) notifies a wake-up; listens again by
   * itself after losing the server. Resolves with the function that stops listening. */
  listen(onWake: (kind: WakeKind) => void): Promise<() => Promise<void>>;
}

/** Runs `run` as maintenance of `kind` done by one replica at a time: under the store's advisory
 * lock when replicas share it, else (one engine owns the store) at once. */
export function oneReplicaAtATime<T>(
  replicas: ReplicaCoordination | undefined,
  kind: ExclusiveKind,
  run: () => Promise<T>,
): Promise<{ readonly ran: true; readonly value: T } | { readonly ran: false }> {
  if (replicas === undefined) return run().then((value) => ({ ran: true as const, value }));
  return replicas.exclusive(kind, run);
}

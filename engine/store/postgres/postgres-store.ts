/**
 * The PostgreSQL backend of the Store (see ../store.ts for the contract), in a schema of its own.
 *
 * Opening: a pool whose connections work in the schema (connection.ts), migrations under an
 * advisory lock (migrate.ts), the replica registered (replica-ops.ts), then the leases of replicas
 * that are gone expired (expire-leases.ts). Then:
 * - Writes (acceptEvents, recordAttempt, requeue, claimDue, claimKeyRuns, connector state) are operations of the
 *   group-commit queue (write-queue.ts): applied in call order, each caller resolved only after
 *   the COMMIT that holds its write.
 * - Reads wait until every write called before them has settled, then run on the pool.
 * - The operators' side (finds, views, actions, replays, retention, counts) comes from reads.ts,
 *   guarded here like the rest: ENGINE_CLOSED once closing, server failures as STORE_UNAVAILABLE.
 * - Every lease this store takes (claims, deliveries handed over at ingest) is owned by its
 *   replica; records and requeues change only deliveries no other replica holds (`replicas`
 *   renews the leases and says which were lost, ../replicas.ts).
 * - A failure of the server or the network (store-errors.ts) rejects with STORE_UNAVAILABLE and
 *   makes health() unwritable until a transaction commits again; the pool reconnects by itself,
 *   so the store needs no reopening.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { HmsError } from '../../errors.js';
import type { ReplicaCoordination, ReplicaIdentity } from '../replicas.js';
import type { Store, StoreHealth } from '../store.js';
import { acceptEvents } from './accept-events.js';
import { claimDue } from './claim-due.js';
import { claimKeyRuns } from './claim-key-runs.js';
import { createStorePool, DEFAULT_STORE_SCHEMA, maskStoreUrl } from './connection.js';
import * as connectors from './connector-state.js';
import { expireLeases } from './expire-leases.js';
import { migrate } from './migrate.js';
import { createPostgresReads, type PostgresReads } from './reads.js';
import { attemptRecords, requeue } from './record-attempt.js';
import * as replicaOps from './replica-ops.js';
import { serverFailure, storeUnavailable } from './store-errors.js';
import { listenForWakes, notifyWake } from './wake-listener.js';
import { createPgWriteQueue } from './write-queue.js';

export interface PostgresStoreOptions {
  /** postgres:// or postgresql:// URL, as libpq reads it (a password from the URL or PGPASSWORD). */
  readonly url: string;
  /** The schema the store's tables live in, created when missing (default hms_sync). */
  readonly schema?: string;
  /** Stamps every time the store records (never the server's now()). */
  readonly clock: Clock;
  /** Hears of schema upgrades and of idle connections the server dropped. */
  readonly logger?: Logger;
  /** The replica this store works for (default: a random id, this host, a 30 s lease). */
  readonly replica?: ReplicaIdentity;
}

/** The lease of a store opened without a replica identity (tests, tools). */
const DEFAULT_REPLICA_LEASE_MS = 30_000;

/**
 * Opens (and migrates) the store in `schema` of the database at `url`. Rejects with
 * STORE_SCHEMA_TOO_NEW for a schema written by newer code, and with STORE_OPEN_FAILED, naming the
 * URL with its password masked, when the server cannot be reached or refuses.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const { url, clock, logger } = options;
  const schema = options.schema ?? DEFAULT_STORE_SCHEMA;
  const replica = options.replica ?? { id: randomUUID(), hostname: hostname(), version: 'unknown', leaseMs: DEFAULT_REPLICA_LEASE_MS };
  const pool = createStorePool(url, schema, (error) => logger?.warn({ reason: error.message }, 'the PostgreSQL server closed an idle store connection; the next use opens a new one'));
  try {
    const run = await migrate(pool, schema, clock.now());
    if (run.applied.length > 0) logger?.info({ schema, from: run.from, applied: run.applied }, `store schema ${schema} migrated to version ${run.applied[run.applied.length - 1]}`);
    await replicaOps.register(pool, replica, clock.now());
    const ended = await expireLeases(pool, clock.now());
    if (ended > 0) logger?.info({ deliveries: ended }, 'ended the leases of replicas that are gone; their deliveries are due now');
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof HmsError) throw error;
    const reason = serverFailure(error) ?? (error instanceof Error ? error.message : String(error));
    throw new HmsError('STORE_OPEN_FAILED', `cannot open the PostgreSQL store ${maskStoreUrl(url)} (schema ${schema}): ${reason}; check --store (HMS_SYNC_STORE), that the server is up, and the user's password and rights`, { cause: error });
  }
  return createPostgresStore(pool, schema, url, clock, replica, logger);
}

function createPostgresStore(pool: pg.Pool, schema: string, url: string, clock: Clock, self: ReplicaIdentity, logger: Logger | undefined): Store {
  let health: StoreHealth = { writable: true, lastFailure: null };
  /** What a caller gets for an error: a server failure becomes STORE_UNAVAILABLE and is
   * remembered for health(); any other error passes unchanged. */
  const failure = (error: unknown): unknown => {
    if (error instanceof HmsError) return error;
    const why = serverFailure(error);
    if (why === undefined) return error;
    health = { writable: false, lastFailure: { at: clock.now(), message: why } };
    return storeUnavailable(why, error);
  };
  const writes = createPgWriteQueue(pool, failure, () => {
    if (!health.writable) health = { ...health, writable: true };
  });
  let closed: Promise<void> | undefined;

  function whileOpen<T>(operation: () => Promise<T>): Promise<T> {
    if (closed !== undefined) return Promise.reject(new HmsError('ENGINE_CLOSED', `the store in schema ${schema} of ${maskStoreUrl(url)} is closed`));
    return operation();
  }
  const write = <T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T> => whileOpen(() => writes.enqueue(run));
  /** A read sees every write called before it. */
  const read = <T>(run: () => Promise<T>): Promise<T> =>
    whileOpen(async () => {
      await writes.settled();
      try {
        return await run();
      } catch (error) {
        throw failure(error);
      }
    });

  async function redrive(connector: string, now: number): Promise<number> {
    let total = 0;
    for (;;) {
      const moved = await write(async (client) => {
        const chunk = await connectors.redriveChunk(client, connector, now, connectors.REDRIVE_CHUNK_ROWS);
        if (chunk > 0) await notifyWake(client, schema, 'due');
        return chunk;
      });
      total += moved;
      if (moved < connectors.REDRIVE_CHUNK_ROWS) return total;
    }
  }

  const attempts = attemptRecords(() => clock.now(), self.id);
  const replicas: ReplicaCoordination = {
    self,
    heartbeat: (beat) => write((client) => replicaOps.heartbeat(client, self, beat)),
    live: (now) => read(() => replicaOps.live(pool, now)),
    throttle: (connector, until) =>
      write(async (client) => {
        await replicaOps.throttle(client, connector, until, clock.now());
        await notifyWake(client, schema, 'connectors');
      }),
    throttles: (now) => read(() => replicaOps.throttles(pool, now)),
    adoptReplays: (now, busy) => write((client) => replicaOps.adoptReplays(client, self, now, busy)),
    listen: (onWake) => whileOpen(() => listenForWakes({ url, schema, onWake, ...(logger && { logger }) })),
    exclusive: (kind, run) => whileOpen(() => replicaOps.exclusive(pool, schema, kind, run).catch((error: unknown) => Promise.reject(failure(error)))),
  };
  const reads = guardAll(createPostgresReads({ pool, writes, schema, clock, replicaId: self.id }), read);
  return {
    ...reads,
    replicas,
    acceptEvents: (events) => write((client) => acceptEvents(client, events, clock.now(), self.id)),
    recordAttempt: (record) => whileOpen(() => writes.enqueueItem(attempts, record)),
    requeue: (ids, dueAt) => write((client) => requeue(client, ids, dueAt, clock.now(), self.id)),
    claimDue: (options) => write((client) => claimDue(client, options, self.id)),
    claimKeyRuns: (options) => write((client) => claimKeyRuns(client, options, self.id)),
    reconcileConnectors: (names, now) =>
      write(async (client) => {
        const moved = await connectors.reconcileConnectors(client, names, now);
        if (moved.resumed > 0) await notifyWake(client, schema, 'due');
        return moved;
      }),
    redrive,
    setDisabled: (connector, disabled) => write(async (client) => (await connectors.setDisabled(client, connector, disabled), await notifyWake(client, schema, 'connectors'))),
    disabledConnectors: () => read(() => connectors.disabledConnectors(pool)),
    setPaused: (connector, pause) => write(async (client) => (await connectors.setPaused(client, connector, pause), await notifyWake(client, schema, 'connectors'))),
    pausedConnectors: () => read(() => connectors.pausedConnectors(pool)),
    health: () => health,
    close() {
      // Writes called before close still commit, then the replica leaves (its leases end, for
      // other replicas to claim at once); anything called after close rejects. A leave the
      // server refuses (it is down) is skipped: the leases then expire on their own.
      closed ??= writes
        .settled()
        .then(() => writes.enqueue((client) => replicaOps.leave(client, self, clock.now())).catch(() => undefined))
        .then(() => pool.end());
      return closed;
    },
  };
}

/** Every method of `reads` run through `guard` (closed store, failures, writes called before). */
function guardAll(reads: PostgresReads, guard: <T>(run: () => Promise<T>) => Promise<T>): PostgresReads {
  const entries = Object.entries(reads) as [keyof PostgresReads, (...args: unknown[]) => Promise<unknown>][];
  return Object.fromEntries(entries.map(([name, method]) => [name, (...args: unknown[]) => guard(() => method(...args))])) as unknown as PostgresReads;
}

/**
 * The PostgreSQL schema, as numbered forward-only migrations (run by migrate.ts). Contract:
 * - Versions increase in order; a released migration is never edited or removed.
 * - Each runs in the schema the store was opened with (`search_path`), inside the one transaction
 *   that holds the migration lock, and is recorded in `schema_migrations`.
 *
 * Migration 1 is SQLite's schema after its migration 9, with the same table and column names, so
 * the two backends read alike and a later `store copy` maps rows one to one. What differs:
 * - Timestamps are BIGINT epoch ms from the engine's injected clock, never the server's now().
 * - `seq` is a BIGINT identity: the acceptance position of an event (and a delivery's order of
 *   creation), never reused, unlike SQLite's rowid.
 * - No counters kept by triggers (SQLite's delivery_counts, waiting_floors, store_counters,
 *   events_unreferenced): with several replicas each counter row would be a lock that every
 *   transaction of every replica takes. Plain partial indexes serve the same reads instead:
 *   deliveries_waiting (counts, backlog and the oldest waiting delivery read the non-delivered
 *   deliveries only), deliveries_finished (retention, and the delivered count as an index-only
 *   count), events_received (events past retention, walked in (received_at, seq) order).
 * - Operators' finds (postgres/find-deliveries.ts) read by event through deliveries_event, by
 *   state through deliveries_by_state, and otherwise the primary key over a bounded seq range.
 *
 * Migration 2 (replicas sharing one schema, see docs/scale-out.md): a delivery's lease gets an
 * `owner`, the id of the replica that last held it (claimed it, or took it at ingest; kept after
 * its attempt, so that a replica whose lease was taken over cannot record over the new holder's
 * work; null for deliveries never held), and the
 * `replicas` table records each running replica's heartbeat. A replica is live while
 * heartbeat_at + lease_ms > now; a lease whose owner is not live may be ended by any replica.
 * `throttled_connectors` holds a 429's pause per connector, honoured by every replica.
 *
 * Migration 3 drops `deliveries_owner`. No update of `deliveries` is HOT (its columns that change
 * are keys or predicates of partial indexes), so every claim, ingest with a lease and attempt
 * record wrote an entry into that index too, for an index that only a clean leave read (the owner
 * is kept after the attempt, so it covered nearly every delivery ever held). A clean leave now
 * finds its leases among the `inflight` deliveries, through deliveries_by_state or deliveries_due
 * (replica-ops.ts): as many index entries as deliveries in flight.
 *
 * Migration 4 (a running replay taken over when its replica stops): a replay gets a `runner`, the
 * id of the replica that advances it (null: none yet, or the last one left cleanly). Only the
 * runner records a step; a live replica adopts a running replay whose runner is not live
 * (replica-ops.ts).
 */

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, deliveries, attempts, connectors disabled and paused, replays',
    sql: `
      CREATE TABLE events (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        traceparent TEXT
      );
      -- Retention deletes events past --retain-events oldest first; replays find a window's edges.
      CREATE INDEX events_received ON events (received_at, seq);

      CREATE TABLE deliveries (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        event_id TEXT NOT NULL REFERENCES events (id),
        connector TEXT NOT NULL,
        route TEXT NOT NULL,
        state TEXT NOT NULL
          CHECK (state IN ('pending', 'inflight', 'retrying', 'parked', 'delivered', 'dead', 'discarded')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_status INTEGER,
        last_error TEXT,
        next_attempt_at BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        last_error_code TEXT,
        schedule_offset INTEGER NOT NULL DEFAULT 0,
        ordering_key TEXT,
        replay_id TEXT,
        last_started_at BIGINT,
        last_duration_ms BIGINT,
        last_revision TEXT,
        last_traceparent TEXT
      );
      -- Claiming due work (claim-due.ts), in (next_attempt_at, seq) order.
      CREATE INDEX deliveries_due ON deliveries (next_attempt_at, seq)
        WHERE state IN ('pending', 'inflight', 'retrying');
      CREATE INDEX deliveries_event ON deliveries (event_id);
      -- Is an older delivery of the same connector and key unfinished? (claim-due.ts)
      CREATE INDEX deliveries_ordering ON deliveries (connector, ordering_key, seq)
        WHERE ordering_key IS NOT NULL AND state IN ('pending', 'inflight', 'retrying');
      -- Every delivery that is not delivered, by connector and state: counts, backlog, the oldest
      -- waiting one, parking and resuming, redrive, operators' lists of dead ones.
      CREATE INDEX deliveries_waiting ON deliveries (connector, state, seq) WHERE state <> 'delivered';
      -- Operators' lists by state across connectors, newest or oldest first (find-deliveries.ts):
      -- one ordered read per state, merged, never reading the delivered deliveries.
      CREATE INDEX deliveries_by_state ON deliveries (state, seq) WHERE state <> 'delivered';
      -- Retention: finished deliveries by state and connector, oldest finished first.
      CREATE INDEX deliveries_finished ON deliveries (state, connector, updated_at)
        WHERE state IN ('delivered', 'dead', 'discarded');
      CREATE INDEX deliveries_replay ON deliveries (replay_id, state) WHERE replay_id IS NOT NULL;

      -- A delivered attempt is kept on its delivery only (last_* columns), as in SQLite since its
      -- migration 9; a failed one is a row here too.
      CREATE TABLE attempts (
        delivery_id TEXT NOT NULL REFERENCES deliveries (id),
        attempt INTEGER NOT NULL,
        started_at BIGINT NOT NULL,
        duration_ms BIGINT NOT NULL,
        status INTEGER,
        error TEXT,
        revision TEXT,
        error_code TEXT,
        response_body TEXT,
        request TEXT,
        traceparent TEXT,
        PRIMARY KEY (delivery_id, attempt)
      );

      CREATE TABLE disabled_connectors (
        connector TEXT PRIMARY KEY,
        revision TEXT NOT NULL,
        since BIGINT NOT NULL,
        reason TEXT NOT NULL
      );

      CREATE TABLE paused_connectors (
        connector TEXT PRIMARY KEY,
        paused_by TEXT NOT NULL,
        since BIGINT NOT NULL
      );

      CREATE TABLE replays (
        id TEXT PRIMARY KEY,
        connector TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('redeliver', 'backfill')),
        since BIGINT NOT NULL,
        until BIGINT NOT NULL,
        retained_since BIGINT NOT NULL,
        event_types TEXT,
        where_source TEXT,
        per_second DOUBLE PRECISION NOT NULL,
        declared BOOLEAN NOT NULL,
        created_by TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'done', 'cancelled')),
        position BIGINT,
        matched BIGINT NOT NULL DEFAULT 0,
        skipped_by_retention BIGINT NOT NULL DEFAULT 0,
        created BIGINT NOT NULL DEFAULT 0,
        finished_at BIGINT
      );
      CREATE INDEX replays_by_creation ON replays (created_at);

      CREATE TABLE declared_backfills (
        connector TEXT PRIMARY KEY,
        replay_id TEXT NOT NULL,
        started_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'lease owners and the replicas table',
    sql: `
      ALTER TABLE deliveries ADD COLUMN owner TEXT;
      -- A replica's renewal and clean shutdown find the leases it holds.
      CREATE INDEX deliveries_owner ON deliveries (owner) WHERE owner IS NOT NULL;

      CREATE TABLE replicas (
        id TEXT PRIMARY KEY,
        hostname TEXT NOT NULL,
        version TEXT NOT NULL,
        revision TEXT NOT NULL,
        -- When this replica adopted its current revision: the newest revision is the one adopted
        -- last, and replicas on another one are behind (config skew).
        revision_since BIGINT NOT NULL,
        started_at BIGINT NOT NULL,
        heartbeat_at BIGINT NOT NULL,
        lease_ms BIGINT NOT NULL,
        held INTEGER NOT NULL DEFAULT 0
      );

      -- A 429's pause (Retry-After) of a connector, for every replica until \`until\`.
      CREATE TABLE throttled_connectors (
        connector TEXT PRIMARY KEY,
        until BIGINT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'no deliveries_owner index: a clean leave finds its leases among the inflight deliveries',
    sql: `
      DROP INDEX deliveries_owner;
    `,
  },
  {
    version: 4,
    name: 'the replica that runs each replay',
    sql: `
      ALTER TABLE replays ADD COLUMN runner TEXT;
    `,
  },
];

/** The schema version this code writes. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * The SQLite schema, as numbered forward-only migrations. Contract:
 * - Versions are 1, 2, 3, ... in order; a test checks it.
 * - A released migration is never edited or removed; a schema change is a new entry at the end.
 * - Each runs inside the one transaction that opens the store (see open-database.ts), and is
 *   recorded in `schema_migrations`; a database recorded at a version above the last one here
 *   was written by newer code and is refused.
 * SQL lives in TypeScript strings so that `tsc` ships it with the build.
 *
 * Timestamps are epoch milliseconds (INTEGER). `seq` columns are INTEGER PRIMARY KEY (the rowid),
 * so event and delivery bodies are appended in arrival order and "order of creation" survives VACUUM.
 */

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, deliveries, attempts',
    sql: `
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        received_at INTEGER NOT NULL
      );

      CREATE TABLE deliveries (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        event_id TEXT NOT NULL REFERENCES events (id),
        connector TEXT NOT NULL,
        route TEXT NOT NULL,
        state TEXT NOT NULL
          CHECK (state IN ('pending', 'inflight', 'retrying', 'parked', 'delivered', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_status INTEGER,
        last_error TEXT,
        next_attempt_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      -- Claiming due work. The WHERE must stay textually identical to the one in sql.ts
      -- (claimDue, parkUnconfigured), or SQLite will not use this partial index.
      CREATE INDEX deliveries_due ON deliveries (next_attempt_at)
        WHERE state IN ('pending', 'inflight', 'retrying');

      CREATE INDEX deliveries_event ON deliveries (event_id);

      -- Resuming parked work when its connector returns; parked deliveries are few.
      CREATE INDEX deliveries_parked ON deliveries (connector) WHERE state = 'parked';

      CREATE TABLE attempts (
        delivery_id TEXT NOT NULL REFERENCES deliveries (id),
        attempt INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        status INTEGER,
        error TEXT,
        PRIMARY KEY (delivery_id, attempt)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'attempt revision and error codes, redrive',
    sql: `
      -- NULL on attempts recorded before this migration: their revision and code were not kept.
      ALTER TABLE attempts ADD COLUMN revision TEXT;
      ALTER TABLE attempts ADD COLUMN error_code TEXT;

      -- The code of last_error, so dead deliveries can be selected by cause (redrive).
      ALTER TABLE deliveries ADD COLUMN last_error_code TEXT;
      -- Attempts made before the current retry schedule started; redrive restarts the schedule.
      ALTER TABLE deliveries ADD COLUMN schedule_offset INTEGER NOT NULL DEFAULT 0;

      -- Every error text written so far starts with its code; backfill so that deliveries that
      -- died before this migration can be re-driven too.
      UPDATE deliveries SET last_error_code = CASE
          WHEN last_error GLOB 'MAPPING_FAILED*' THEN 'MAPPING_FAILED'
          WHEN last_error GLOB 'TARGET_REJECTED*' THEN 'TARGET_REJECTED'
          WHEN last_error GLOB 'TARGET_UNAVAILABLE*' THEN 'TARGET_UNAVAILABLE'
          WHEN last_error GLOB 'RETRIES_EXHAUSTED*' THEN 'RETRIES_EXHAUSTED'
        END
        WHERE last_error IS NOT NULL;

      -- Redrive: dead deliveries accumulate, so they get their own partial index. The WHERE must
      -- stay textually identical to the one of SQL.redrive.
      CREATE INDEX deliveries_dead_cause ON deliveries (connector, last_error_code) WHERE state = 'dead';
    `,
  },
  {
    version: 3,
    name: 'attempt response bodies, ordering keys, disabled connectors',
    sql: `
      -- The first 4 KiB of a failed attempt's response body, secrets removed; NULL for attempts
      -- that succeeded, got no response, or were recorded before this migration.
      ALTER TABLE attempts ADD COLUMN response_body TEXT;

      -- The connector's orderingKey for this delivery's event, computed at ingest; NULL when the
      -- connector has none (and for every delivery stored before this migration): no ordering.
      ALTER TABLE deliveries ADD COLUMN ordering_key TEXT;

      -- Claiming in order: is there an older unfinished delivery of the same connector and key?
      -- The WHERE must stay textually identical to the one in SQL.selectDue's subquery.
      CREATE INDEX deliveries_ordering ON deliveries (connector, ordering_key, seq)
        WHERE ordering_key IS NOT NULL AND state IN ('pending', 'inflight', 'retrying');

      -- Connectors whose target answered 410 Gone: they send nothing until their revision (the
      -- content hash of their file) is no longer this one. Kept across restarts.
      CREATE TABLE disabled_connectors (
        connector TEXT PRIMARY KEY,
        revision TEXT NOT NULL,
        since INTEGER NOT NULL,
        reason TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'dead letters in order',
    sql: `
      -- Listing dead deliveries oldest first (GET /deliveries?state=dead), a page at a time from a
      -- cursor, without passing over the delivered ones. The WHERE must stay textually identical
      -- to the one of SQL.selectDead.
      CREATE INDEX deliveries_dead ON deliveries (seq) WHERE state = 'dead';
    `,
  },
  {
    version: 5,
    name: 'retention',
    sql: `
      -- Retention deletes finished deliveries connector by connector, oldest first from when they
      -- finished (updated_at: delivered, or died). Each WHERE must stay textually identical to the
      -- state tests in SQL.deliveredBefore, SQL.diedBefore and the connector lists (sql.ts).
      CREATE INDEX deliveries_delivered ON deliveries (connector, updated_at) WHERE state = 'delivered';
      CREATE INDEX deliveries_died ON deliveries (connector, updated_at) WHERE state = 'dead';

      -- Events none of whose deliveries remains (or that matched no route), by receipt: they are
      -- deleted once past --retain-events. Ingest adds events stored without deliveries; retention
      -- adds an event when it deletes its last delivery and the event is still within its window.
      CREATE TABLE events_unreferenced (
        received_at INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (received_at, seq)
      ) WITHOUT ROWID;
      INSERT INTO events_unreferenced (received_at, seq)
        SELECT received_at, seq FROM events e WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id);

      -- deliveries_gaps is max(deliveries.seq) minus the number of deliveries, kept by retention as
      -- it deletes, so that counting deliveries needs no scan (see SQL.countByState).
      CREATE TABLE store_counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO store_counters (name, value) SELECT 'deliveries_gaps', coalesce(max(seq), 0) - count(*) FROM deliveries;

      -- The file gives deleted pages back to the file system: auto_vacuum = INCREMENTAL. A new
      -- database gets it before its first table (sql.ts PRAGMAS); an existing one needs a VACUUM,
      -- which cannot run inside this transaction: open-database.ts runs it after (compact-once.ts).
    `,
  },
  {
    version: 6,
    name: 'unfinished deliveries by connector',
    sql: `
      -- deliveries_due, widened so the metrics scrape counts unfinished deliveries per connector
      -- and state, and finds the oldest, from the index alone (SQL.backlogByConnector): the same
      -- entries as before, so writes cost almost nothing more, unlike an index of its own, which
      -- every delivery that waits would enter and leave. seq is spelled out so the index keeps
      -- claims in (next_attempt_at, seq) order. The WHERE must stay textually identical to those
      -- in sql.ts (selectDue, parkUnconfigured, countByState, backlogByConnector). An existing
      -- database rebuilds it once, at the upgrade.
      DROP INDEX deliveries_due;
      CREATE INDEX deliveries_due ON deliveries (next_attempt_at, seq, connector, state, created_at)
        WHERE state IN ('pending', 'inflight', 'retrying');
    `,
  },
  {
    version: 7,
    name: 'discarded deliveries, requests of failed attempts, trace context',
    sql: `
      -- A new state, discarded: an operator gave up on a dead, retrying or parked delivery. SQLite
      -- cannot change a CHECK constraint in place, so the table is rebuilt as its documentation
      -- says (https://sqlite.org/lang_altertable.html#otheralter): a new table, the rows copied,
      -- the old one dropped, the new one renamed, its indexes made again. open-database.ts runs
      -- migrations with foreign keys off and checks them before it commits, as that procedure asks.
      -- Its columns are those of migrations 1 to 3, in the same order.
      CREATE TABLE deliveries_7 (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        event_id TEXT NOT NULL REFERENCES events (id),
        connector TEXT NOT NULL,
        route TEXT NOT NULL,
        state TEXT NOT NULL
          CHECK (state IN ('pending', 'inflight', 'retrying', 'parked', 'delivered', 'dead', 'discarded')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_status INTEGER,
        last_error TEXT,
        next_attempt_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_error_code TEXT,
        schedule_offset INTEGER NOT NULL DEFAULT 0,
        ordering_key TEXT
      );
      INSERT INTO deliveries_7 (seq, id, event_id, connector, route, state, attempts, last_status, last_error,
          next_attempt_at, created_at, updated_at, last_error_code, schedule_offset, ordering_key)
        SELECT seq, id, event_id, connector, route, state, attempts, last_status, last_error,
          next_attempt_at, created_at, updated_at, last_error_code, schedule_offset, ordering_key
        FROM deliveries;
      DROP TABLE deliveries;
      ALTER TABLE deliveries_7 RENAME TO deliveries;
      -- The indexes of migrations 1 to 6 as they stand (each WHERE textually as before).
      CREATE INDEX deliveries_due ON deliveries (next_attempt_at, seq, connector, state, created_at)
        WHERE state IN ('pending', 'inflight', 'retrying');
      CREATE INDEX deliveries_event ON deliveries (event_id);
      CREATE INDEX deliveries_parked ON deliveries (connector) WHERE state = 'parked';
      CREATE INDEX deliveries_dead_cause ON deliveries (connector, last_error_code) WHERE state = 'dead';
      CREATE INDEX deliveries_ordering ON deliveries (connector, ordering_key, seq)
        WHERE ordering_key IS NOT NULL AND state IN ('pending', 'inflight', 'retrying');
      CREATE INDEX deliveries_dead ON deliveries (seq) WHERE state = 'dead';
      CREATE INDEX deliveries_delivered ON deliveries (connector, updated_at) WHERE state = 'delivered';
      CREATE INDEX deliveries_died ON deliveries (connector, updated_at) WHERE state = 'dead';
      -- Discarded deliveries: counted apart (SQL.countByState, backlogByConnector), listed, and
      -- deleted by retention as delivered ones are, from when they were discarded. The WHERE must
      -- stay textually identical to the state tests in sql.ts that read it.
      CREATE INDEX deliveries_discarded ON deliveries (connector, updated_at) WHERE state = 'discarded';

      -- The request as it was sent, for a failed attempt only: JSON {method, url, headers, body},
      -- secrets masked as preview masks them, the body cut at 64 KiB (dispatch/sent-request.ts).
      -- NULL for an attempt that delivered (GET /deliveries/:id renders it again, and says so),
      -- and for attempts recorded before this migration.
      ALTER TABLE attempts ADD COLUMN request TEXT;
      -- The W3C traceparent the attempt sent; NULL when its event came without one.
      ALTER TABLE attempts ADD COLUMN traceparent TEXT;
      -- The producer's W3C traceparent, when the event came with a valid one (bus/trace-context.ts).
      ALTER TABLE events ADD COLUMN traceparent TEXT;
    `,
  },
  {
    version: 8,
    name: 'operator pauses, replays',
    sql: `
      -- Connectors an operator paused (POST /connectors/:name/pause): they send nothing until
      -- resumed. Kept across restarts and reloads, by name.
      CREATE TABLE paused_connectors (
        connector TEXT PRIMARY KEY,
        paused_by TEXT NOT NULL,
        since INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- Replays (POST /replays, and a connector file's backfill:). position is the seq of the last
      -- event done; the counts grow with each step, in the transaction that creates its deliveries.
      CREATE TABLE replays (
        id TEXT PRIMARY KEY,
        connector TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('redeliver', 'backfill')),
        since INTEGER NOT NULL,
        until INTEGER NOT NULL,
        retained_since INTEGER NOT NULL,
        event_types TEXT,
        where_source TEXT,
        per_second REAL NOT NULL,
        declared INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'done', 'cancelled')),
        position INTEGER,
        matched INTEGER NOT NULL DEFAULT 0,
        skipped_by_retention INTEGER NOT NULL DEFAULT 0,
        created INTEGER NOT NULL DEFAULT 0,
        finished_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX replays_by_creation ON replays (created_at);

      -- The connectors whose file's backfill: was started: each starts once per name, ever.
      CREATE TABLE declared_backfills (
        connector TEXT PRIMARY KEY,
        replay_id TEXT NOT NULL,
        started_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- The replay that created a delivery (NULL for every other one): its requests carry
      -- Hms-Sync-Replay, and the replay's progress counts its deliveries by state through this
      -- index, which holds no other delivery. The WHERE must stay textually identical to the one
      -- of SQL.replayDeliveryCounts (replay-sql.ts).
      ALTER TABLE deliveries ADD COLUMN replay_id TEXT;
      CREATE INDEX deliveries_replay ON deliveries (replay_id, state) WHERE replay_id IS NOT NULL;
    `,
  },
  {
    version: 9,
    name: 'the last attempt on its delivery, counts per connector and state, the floor of each connector\'s waiting deliveries',
    sql: `
      -- The last attempt of each delivery, on the delivery itself (with attempts, last_status and
      -- last_error). A delivered attempt is stored only here, not as an attempts row: GET
      -- /events/:id shows it from these columns. A failed attempt is an attempts row too, with its
      -- error code and the start of the answer. NULL on deliveries last attempted before this migration.
      ALTER TABLE deliveries ADD COLUMN last_started_at INTEGER;
      ALTER TABLE deliveries ADD COLUMN last_duration_ms INTEGER;
      ALTER TABLE deliveries ADD COLUMN last_revision TEXT;
      -- The traceparent the last attempt sent (migration 7), so a delivered attempt keeps its span.
      ALTER TABLE deliveries ADD COLUMN last_traceparent TEXT;

      -- How many deliveries each connector has in each state but delivered, kept by the triggers
      -- below in the same transaction as every change, so that GET /status, the metrics scrape and
      -- the reconcile at start read a few rows whatever the backlog. Delivered deliveries are not
      -- counted here: they are all the others less these (see SQL.countByState). A row may hold 0.
      CREATE TABLE delivery_counts (
        connector TEXT NOT NULL,
        state TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (connector, state)
      ) WITHOUT ROWID;
      INSERT INTO delivery_counts (connector, state, n)
        SELECT connector, state, count(*) FROM deliveries WHERE state IN ('pending', 'inflight', 'retrying') GROUP BY connector, state
        UNION ALL SELECT connector, 'parked', count(*) FROM deliveries WHERE state = 'parked' GROUP BY connector
        UNION ALL SELECT connector, 'dead', count(*) FROM deliveries WHERE state = 'dead' GROUP BY connector
        UNION ALL SELECT connector, 'discarded', count(*) FROM deliveries WHERE state = 'discarded' GROUP BY connector;
      CREATE TRIGGER delivery_counts_insert AFTER INSERT ON deliveries WHEN new.state <> 'delivered'
      BEGIN
        INSERT INTO delivery_counts (connector, state, n) VALUES (new.connector, new.state, 1)
          ON CONFLICT (connector, state) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER delivery_counts_leave AFTER UPDATE OF state ON deliveries
        WHEN old.state <> new.state AND old.state <> 'delivered'
      BEGIN
        UPDATE delivery_counts SET n = n - 1 WHERE connector = old.connector AND state = old.state;
      END;
      CREATE TRIGGER delivery_counts_enter AFTER UPDATE OF state ON deliveries
        WHEN old.state <> new.state AND new.state <> 'delivered'
      BEGIN
        INSERT INTO delivery_counts (connector, state, n) VALUES (new.connector, new.state, 1)
          ON CONFLICT (connector, state) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER delivery_counts_delete AFTER DELETE ON deliveries WHEN old.state <> 'delivered'
      BEGIN
        UPDATE delivery_counts SET n = n - 1 WHERE connector = old.connector AND state = old.state;
      END;

      -- Where each connector's oldest unfinished (pending, inflight, retrying) delivery is: no
      -- unfinished delivery of the connector has a seq below its floor. A connector's floor is set
      -- when its first unfinished delivery is stored, lowered when an older delivery becomes
      -- unfinished again (a dead one retried, a parked one resumed), and raised to the oldest
      -- unfinished one, or past the last delivery when none is, as attempts are recorded
      -- (SQL.advanceFloors). Finding the oldest walks the rows from the floor (SQL.oldestWaiting):
      -- a few rows, where an index of unfinished deliveries by connector would cost every delivery
      -- an entry written and removed.
      CREATE TABLE waiting_floors (
        connector TEXT PRIMARY KEY,
        seq INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO waiting_floors (connector, seq)
        SELECT connector, min(seq) FROM deliveries WHERE state IN ('pending', 'inflight', 'retrying') GROUP BY connector;
      -- A floor is lowered by a delivery stored below it, not only by one made unfinished again:
      -- seq is the rowid, and once retention deletes the newest deliveries the next ones reuse
      -- their seqs, below a floor that had moved past them.
      CREATE TRIGGER waiting_floors_insert AFTER INSERT ON deliveries
        WHEN new.state IN ('pending', 'inflight', 'retrying')
          AND NOT EXISTS (SELECT 1 FROM waiting_floors WHERE connector = new.connector AND seq <= new.seq)
      BEGIN
        INSERT INTO waiting_floors (connector, seq) VALUES (new.connector, new.seq)
          ON CONFLICT (connector) DO UPDATE SET seq = min(seq, excluded.seq);
      END;
      CREATE TRIGGER waiting_floors_reenter AFTER UPDATE OF state ON deliveries
        WHEN old.state NOT IN ('pending', 'inflight', 'retrying') AND new.state IN ('pending', 'inflight', 'retrying')
          AND NOT EXISTS (SELECT 1 FROM waiting_floors WHERE connector = new.connector AND seq <= new.seq)
      BEGIN
        INSERT INTO waiting_floors (connector, seq) VALUES (new.connector, new.seq)
          ON CONFLICT (connector) DO UPDATE SET seq = min(seq, excluded.seq);
      END;

      -- Every unfinished delivery has a due time (code since version 1 always wrote one), so crash
      -- recovery can find the leases to expire through deliveries_due (SQL.expireLeases).
      UPDATE deliveries SET next_attempt_at = created_at
        WHERE state IN ('pending', 'inflight', 'retrying') AND next_attempt_at IS NULL;
    `,
  },
];

/** The schema version this code writes. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.length === 0 ? 0 : MIGRATIONS[MIGRATIONS.length - 1]!.version;

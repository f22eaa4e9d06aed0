/**
 * Counts for status, metrics and benchmarks in the PostgreSQL store (Store.countByState,
 * oldestUnfinishedAt, backlog). There are no counter rows kept by triggers here (see
 * migrations.ts): every figure is counted from the indexes, and only the delivered count reads
 * delivered deliveries (as index entries of deliveries_finished; it is a count of them).
 */
import { DELIVERY_STATES, type DeliveryState } from '../../model.js';
import type { ConnectorBacklog } from '../store.js';
import { connectorsWith, rows, type Queryable } from './read-access.js';

/** The states a backlog counts: every one but delivered. */
type BacklogState = Exclude<DeliveryState, 'delivered'>;

/**
 * The seq and acceptance (created_at) of the oldest unfinished delivery of each connector named by
 * the rows of `connectors` (a query with a column `name`): three index seeks in deliveries_waiting
 * per connector, one per unfinished state. Each WHERE repeats the index's own so that the planner
 * may use it.
 */
function oldestWaitingOf(connectors: string): string {
  const first = (state: string) => `(SELECT min(seq) FROM deliveries WHERE state <> 'delivered' AND connector = c.name AND state = '${state}')`;
  return `SELECT c.name AS connector, d.seq, d.created_at FROM (${connectors}) c
    CROSS JOIN LATERAL (SELECT least(${first('pending')}, ${first('inflight')}, ${first('retrying')}) AS seq) m
    JOIN deliveries d ON d.seq = m.seq`;
}

const UNFINISHED_CONNECTORS = connectorsWith("state <> 'delivered' AND state IN ('pending', 'inflight', 'retrying')");

/** Deliveries per state, every state present. */
export async function countByState(db: Queryable): Promise<Record<DeliveryState, number>> {
  const counts = Object.fromEntries(DELIVERY_STATES.map((state) => [state, 0])) as Record<DeliveryState, number>;
  const found = await rows<{ state: DeliveryState; n: number }>(
    db,
    `SELECT state, count(*) AS n FROM deliveries WHERE state <> 'delivered' GROUP BY state
      UNION ALL SELECT 'delivered', count(*) FROM deliveries WHERE state = 'delivered' AND state IN ('delivered', 'dead', 'discarded')`,
  );
  for (const row of found) counts[row.state] = row.n;
  return counts;
}

/** When the oldest pending, inflight or retrying delivery (in acceptance order) was accepted. */
export async function oldestUnfinishedAt(db: Queryable): Promise<number | null> {
  const [row] = await rows<{ created_at: number }>(db, `SELECT created_at FROM (${oldestWaitingOf(UNFINISHED_CONNECTORS)}) o ORDER BY seq LIMIT 1`);
  return row?.created_at ?? null;
}

/** What waits per connector: its counts by state (an index-only read of deliveries_waiting), and
 * when its oldest unfinished delivery was accepted. Connectors with none of these are absent. */
export async function backlog(db: Queryable): Promise<ConnectorBacklog[]> {
  const counted = await rows<{ connector: string; state: BacklogState; n: number }>(
    db,
    `SELECT connector, state, count(*) AS n FROM deliveries WHERE state <> 'delivered' GROUP BY connector, state ORDER BY connector`,
  );
  const byConnector = new Map<string, { -readonly [K in keyof ConnectorBacklog]: ConnectorBacklog[K] }>();
  for (const row of counted) {
    let entry = byConnector.get(row.connector);
    if (entry === undefined) byConnector.set(row.connector, (entry = { connector: row.connector, pending: 0, inflight: 0, retrying: 0, parked: 0, dead: 0, discarded: 0, oldestWaitingAt: null }));
    entry[row.state] = row.n;
  }
  const waiting = [...byConnector.values()].filter((b) => b.pending + b.inflight + b.retrying > 0).map((b) => b.connector);
  if (waiting.length > 0) {
    const oldest = await rows<{ connector: string; created_at: number }>(db, oldestWaitingOf('SELECT unnest($1::text[]) AS name'), [waiting]);
    for (const row of oldest) byConnector.get(row.connector)!.oldestWaitingAt = row.created_at;
  }
  return [...byConnector.values()];
}

/**
 * An operator's retry and discard in the PostgreSQL store (Store.act, actOnMatching), with the
 * state rules of DeliveryAction (delivery-queries.ts), as in SQLite (sqlite/write-ops.ts).
 *
 * Both run through the write queue, ordered with the dispatcher's own writes as in SQLite. Each
 * UPDATE tests the delivery's state in its WHERE, which PostgreSQL re-checks on the newest row
 * version when a concurrent write (another replica's attempt) changed it first: a delivery that
 * moved on meanwhile is left alone.
 */
import { ACTION_STATES, type DeliveryAction, type DeliveryFilter } from '../delivery-queries.js';
import { findSeqs } from './find-deliveries.js';
import type { Queryable } from './read-access.js';

/** Deliveries changed per write of actOnMatching, so other writes commit in between. */
export const ACTION_CHUNK_ROWS = 5_000;

/** The SET of each action; `$2` is now. A retry of a dead or discarded delivery restarts its
 * schedule after the attempts made; of a retrying or parked one, keeps it. */
const SET: Record<DeliveryAction, string> = {
  retry: `state = 'retrying', next_attempt_at = $2, updated_at = $2,
    schedule_offset = CASE WHEN state IN ('dead', 'discarded') THEN attempts ELSE schedule_offset END`,
  discard: `state = 'discarded', next_attempt_at = NULL, updated_at = $2`,
};

/**
 * Applies `action` to the deliveries whose `by` (id or seq) is among `keys`, in a state it takes,
 * of a connector among `connectors` (null: any). Returns how many changed.
 */
export async function act(
  db: Queryable,
  action: DeliveryAction,
  by: 'id' | 'seq',
  keys: readonly (string | number)[],
  connectors: ReadonlySet<string> | null,
  now: number,
): Promise<number> {
  if (keys.length === 0) return 0;
  const keyType = by === 'id' ? 'text[]' : 'bigint[]';
  const result = await db.query(
    `UPDATE deliveries SET ${SET[action]}
      WHERE ${by} = ANY($1::${keyType}) AND state = ANY($3::text[]) AND ($4::text[] IS NULL OR connector = ANY($4::text[]))`,
    [keys, now, ACTION_STATES[action], connectors === null ? null : [...connectors]],
  );
  return result.rowCount ?? 0;
}

/**
 * One chunk of actOnMatching: the next page (from `after`, in acceptance order) of the deliveries
 * matching `filter` that `action` applies to, changed, reading and changing in one transaction.
 * `next` is where the following chunk starts; null when none follows.
 */
export async function actOnChunk(
  db: Queryable,
  action: DeliveryAction,
  filter: DeliveryFilter,
  connectors: ReadonlySet<string> | null,
  now: number,
  after: string | undefined,
): Promise<{ changed: number; next: string | null }> {
  const page = await findSeqs(db, { filter: actionFilter(action, filter, connectors), order: 'asc', limit: ACTION_CHUNK_ROWS, ...(after !== undefined && { after }) });
  return { changed: await act(db, action, 'seq', page.rows, connectors, now), next: page.next };
}

/** `filter` narrowed to what `action` applies to: its states, and of the connectors it names,
 * those given. */
export function actionFilter(action: DeliveryAction, filter: DeliveryFilter, connectors: ReadonlySet<string> | null): DeliveryFilter {
  const states = (filter.states ?? ACTION_STATES[action]).filter((state) => ACTION_STATES[action].includes(state));
  const named = connectors === null || filter.connectors === undefined ? filter.connectors : filter.connectors.filter((name) => connectors.has(name));
  return { ...filter, states, ...(named !== undefined && { connectors: named }) };
}

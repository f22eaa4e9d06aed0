/**
 * The PostgreSQL store's reads and operators' writes (placeholder). The seam between
 * postgres-store.ts (writes, claims, connector state, lifecycle) and this module (finds, views,
 * actions, replays, retention, counts): postgres-store.ts spreads `createPostgresReads(context)`
 * into its Store method table. This file is replaced by the full implementation; until then every
 * method rejects with STORE_UNAVAILABLE.
 */
import type pg from 'pg';
import type { Clock } from '../../clock.js';
import { HmsError } from '../../errors.js';
import type { Store } from '../store.js';
import type { PgWriteQueue } from './write-queue.js';

export interface PostgresStoreContext {
  /** Reads run on the pool; search_path is already the schema. */
  readonly pool: pg.Pool;
  /** Writes that must be ordered with the dispatcher's go through it. */
  readonly writes: PgWriteQueue;
  /** For catalog queries (pg_total_relation_size), never for table names (search_path does that). */
  readonly schema: string;
  readonly clock: Clock;
}

export type PostgresReads = Pick<
  Store,
  | 'startReplay'
  | 'scanReplayEvents'
  | 'recordReplayStep'
  | 'cancelReplay'
  | 'getReplay'
  | 'listReplays'
  | 'getEvent'
  | 'findDeliveries'
  | 'getDelivery'
  | 'deliveryState'
  | 'act'
  | 'actOnMatching'
  | 'countByState'
  | 'oldestUnfinishedAt'
  | 'deleteExpired'
  | 'shrinkTo'
  | 'size'
  | 'backlog'
>;

const NAMES: readonly (keyof PostgresReads)[] = [
  'startReplay', 'scanReplayEvents', 'recordReplayStep', 'cancelReplay', 'getReplay', 'listReplays', 'getEvent', 'findDeliveries',
  'getDelivery', 'deliveryState', 'act', 'actOnMatching', 'countByState', 'oldestUnfinishedAt', 'deleteExpired', 'shrinkTo', 'size', 'backlog',
];

export function createPostgresReads(context: PostgresStoreContext): PostgresReads {
  void context;
  const notBuilt = () => Promise.reject(new HmsError('STORE_UNAVAILABLE', 'not built yet'));
  return Object.fromEntries(NAMES.map((name) => [name, notBuilt])) as unknown as PostgresReads;
}

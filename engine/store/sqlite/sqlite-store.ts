/**
 * The embedded SQLite backend of the Store (see ../store.ts for the contract).
 *
 * One engine owns a data directory: the connection holds an exclusive lock for its whole life.
 * Every write goes through the group-commit queue (sqlite-access.ts); actOnMatching, redrive and
 * retention work in chunks, a transaction each, so other writes commit in between.
 */
import { stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../clock.js';
import type { AttemptRecord, Store } from '../store.js';
import { DB_FILE_NAME, openDataDirectory } from './open-database.js';
import { createDeliveryFinder, findPage } from './find-deliveries.js';
import { backlog, countByState, getDelivery, getEvent } from './read-views.js';
import * as replays from './replay-ops.js';
import { prepareReplayStatements } from './replay-sql.js';
import { prepareStatements } from './sql.js';
import { createSqliteAccess } from './sqlite-access.js';
import { createSqliteRetention } from './sqlite-retention.js';
import * as ops from './write-ops.js';
import type { ItemKind } from './write-queue.js';

export interface SqliteStoreOptions {
  /** Created when missing; the database is `<dataDir>/hms-sync.db`. */
  readonly dataDir: string;
  /** Stamps updated_at and times crash recovery; defaults to the system clock (created_at is the event's receivedAt). */
  readonly clock?: Clock;
  /** Hears of the one-time compaction of a database written by an older hms-sync (compact-once.ts). */
  readonly logger?: Logger;
}

/**
 * Opens the store of a data directory, migrating its schema and expiring the leases of a
 * previous owner. Rejects with STORE_LOCKED when another engine uses the directory.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const { dataDir } = options;
  const clock = options.clock ?? systemClock;
  const db = await openDataDirectory(dataDir, clock.now(), options.logger);
  const sql = prepareStatements(db);
  const finder = createDeliveryFinder(db);
  const rs = prepareReplayStatements(db);
  const access = createSqliteAccess(db, sql, dataDir, clock);
  const { write, read, whileOpen, inChunks, fromCursor } = access;
  // Dispatch bookkeeping: a crash that loses it only sends a delivery again (at-least-once).
  const attempts: ItemKind<AttemptRecord, void> = { durability: 'relaxed', run: (records) => ops.recordAttempts(sql, records, clock.now()) };
  const walFile = join(dataDir, `${DB_FILE_NAME}-wal`);
  /** The database's pages: the file's size once the WAL is checkpointed (pages given back leave the
   * file at the next checkpoint). */
  const dataBytes = () => read(() => (sql.pageCount.get() ?? 0) * (sql.pageSize.get() ?? 0));
  const retention = createSqliteRetention({ sql, dataBytes, read, write: access.writeAlone, checkpoint: access.checkpointAlone });

  return {
    acceptEvents: (events) => write(() => ops.acceptEvents(sql, events, clock.now())),
    recordAttempt: (record) => access.writeItem(attempts, record),
    requeue: (ids, dueAt) => write(() => ops.requeue(sql, ids, dueAt, clock.now())),
    // The sweep waits for its claim, but a crash that loses one only makes its lease moot.
    claimDue: (options) => write(() => ops.claimDue(sql, options), 'awaited'),
    claimKeyRuns: (options) => write(() => ops.claimKeyRuns(sql, options), 'awaited'),
    reconcileConnectors: (connectors, now) => write(() => ops.reconcileConnectors(sql, connectors, now)),
    redrive: (connector, now) => inChunks((limit) => ops.redrive(sql, connector, now, limit)),
    setDisabled: (connector, disabled) => write(() => ops.setDisabled(sql, connector, disabled)),
    disabledConnectors: () => read(() => sql.selectDisabled.all()),
    setPaused: (connector, pause) => write(() => replays.setPaused(rs, connector, pause)),
    pausedConnectors: () => read(() => rs.selectPaused.all()),
    startReplay: (replay) => write(() => replays.startReplay(rs, replay)),
    scanReplayEvents: (scan) => read(() => replays.scanReplayEvents(rs, scan)),
    recordReplayStep: (id, step) => write(() => replays.recordReplayStep(rs, id, step)),
    cancelReplay: (id, now) =>
      write(() => {
        rs.cancelReplay.run(now, id);
        return replays.replayView(rs, id);
      }),
    getReplay: (id) => read(() => replays.replayView(rs, id)),
    listReplays: (options) => read(() => replays.listReplays(rs, options)),
    getEvent: (id) => read(() => getEvent(sql, id)),
    findDeliveries: (options) => read(() => findPage(finder, options)),
    getDelivery: (id) => read(() => getDelivery(sql, id)),
    deliveryState: (id) => read(() => sql.selectDeliveryState.get(id)),
    act: (action, ids, connectors, now) => write(() => ops.act(sql, action, 'id', ids, connectors, now)),
    actOnMatching: (action, filter, connectors, now) => fromCursor((after) => ops.actOnChunk(sql, finder, action, filter, connectors, now, after)),
    countByState: () => read(() => countByState(sql)),
    oldestUnfinishedAt: () => read(() => sql.oldestUnfinishedAt.get()?.created_at ?? null),
    deleteExpired: (policy, signal) => retention.deleteExpired(policy, signal),
    shrinkTo: (maxBytes, signal) => retention.shrinkTo(maxBytes, signal),
    size: () =>
      whileOpen(async () => {
        const [data, wal, fs] = await Promise.all([dataBytes(), stat(walFile).then((s) => s.size, () => 0), statfs(dataDir)]);
        return { sizeBytes: data + wal, dataBytes: data, freeBytes: fs.bavail * fs.bsize };
      }),
    backlog: () => read(() => backlog(sql)),
    health: () => access.health(),
    close: () => access.close(),
  };
}

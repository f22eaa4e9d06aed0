/**
 * Chooses the Store backend for a location (store-location.ts): the embedded SQLite store of a
 * data directory, or the PostgreSQL store in a schema of a database. Both pass the same
 * test/store/store-contract.ts suite.
 */
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { ReplicaIdentity } from './replicas.js';
import type { StoreLocation } from './store-location.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** The replica the store works for, on a store replicas share (PostgreSQL). */
  readonly replica?: ReplicaIdentity;
}

export function openStore(location: StoreLocation, options: OpenStoreOptions = {}): Promise<Store> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ? { logger: options.logger } : {};
  switch (location.kind) {
    case 'sqlite':
      return openSqliteStore({ dataDir: location.dataDir, clock, ...logger });
    case 'postgres':
      return openPostgresStore({ url: location.url, schema: location.schema, clock, ...logger, ...(options.replica && { replica: options.replica }) });
  }
}

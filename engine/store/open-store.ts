/**
 * Chooses the Store backend. Only the embedded SQLite backend exists today; PostgreSQL will be a
 * second `kind` here, passing the same test/store/store-contract.ts suite.
 */
import type { Clock } from '../clock.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export type StoreOptions = { readonly kind: 'sqlite'; readonly dataDir: string; readonly clock?: Clock };

export function openStore(options: StoreOptions): Promise<Store> {
  switch (options.kind) {
    case 'sqlite':
      return openSqliteStore({ dataDir: options.dataDir, ...(options.clock ? { clock: options.clock } : {}) });
  }
}

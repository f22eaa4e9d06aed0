/**
 * Retention on a store replicas share (PostgreSQL): two replicas' retention never runs at once.
 * The one that finds the other deleting skips that round; the work is done once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { manualClock } from '../../engine/clock.js';
import { createRegistry } from '../../engine/config/registry.js';
import { openPostgresStore } from '../../engine/store/postgres/postgres-store.js';
import type { Store } from '../../engine/store/store.js';
import { createRetention } from '../../engine/sweep/retention.js';
import { DEFAULT_RETENTION } from '../../engine/sweep/retention-policy.js';
import { T0 } from '../store/contract-helpers.js';
import { usePostgresDatabase } from '../store/postgres-schemas.js';

const database = await usePostgresDatabase('pg_retention_replicas');

test('two replicas never run retention at once: while one deletes, the other skips its round', async () => {
  const schema = database.freshSchema();
  const clock = manualClock(T0);
  const open = (id: string) => openPostgresStore({ url: database.url, schema, clock, replica: { id, hostname: id, version: 'test', leaseMs: 30_000 } });
  const stores = [await open('a'), await open('b')];
  let deleting = 0;
  let most = 0;
  let runs = 0;
  // Each replica's store, its deleteExpired slowed down so that the two runs would overlap.
  const watched = stores.map((store): Store => ({
    ...store,
    replicas: store.replicas,
    async deleteExpired(policy, signal) {
      deleting += 1;
      runs += 1;
      most = Math.max(most, deleting);
      try {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return await store.deleteExpired(policy, signal);
      } finally {
        deleting -= 1;
      }
    },
  }));
  const logger = pino({ level: 'silent' });
  const retentions = watched.map((store) => createRetention({ store, registry: createRegistry([]), clock, logger, settings: DEFAULT_RETENTION }));
  try {
    for (let round = 0; round < 5; round++) await Promise.all(retentions.map((retention) => retention.runOnce()));
    assert.equal(most, 1, 'never two at once');
    assert.ok(runs >= 5, `each round deleted once (${runs} runs)`);
  } finally {
    await Promise.all(retentions.map((retention) => retention.close()));
    await Promise.all(stores.map((store) => store.close()));
  }
});

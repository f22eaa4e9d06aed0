/**
 * Reads never write: GET /status (and the engine's status()) must work on a store that refuses
 * every write, even when the answer reflects state that changed in memory (a connector disabled
 * by a 410 whose configuration has changed since).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildServer } from '../../engine/api/server.js';
import { manualClock } from '../../engine/clock.js';
import { createEngine } from '../../engine/engine.js';
import { HmsError } from '../../engine/errors.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { Store } from '../../engine/store/store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { compiledConnector } from '../helpers/compiled-connector.js';
import { startReceiver } from '../helpers/receiver.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitUntil } from '../helpers/wait-until.js';

/** The Store methods that only read; every other method counts as a write. */
const READS: ReadonlySet<string> = new Set(['getEvent', 'listDead', 'deliveryState', 'countByState', 'oldestUnfinishedAt', 'size', 'health', 'disabledConnectors', 'pausedConnectors', 'scanReplayEvents', 'getReplay', 'listReplays', 'close']);

/** `store`, refusing (and noting) every write while `readOnly()` is true, as a read-only disk would. */
function refusingWrites(store: Store, readOnly: () => boolean, attempted: string[]): Store {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      if (typeof property === 'string' && !READS.has(property)) {
        return (...args: unknown[]) => {
          if (!readOnly()) return (value as (...a: unknown[]) => unknown).apply(target, args);
          attempted.push(property);
          return Promise.reject(new HmsError('STORE_UNAVAILABLE', 'the store is read-only in this test'));
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

test('GET /status reads a read-only store without writing, even for a connector whose 410 no longer applies', async () => {
  const receiver = await startReceiver(() => 410);
  const dir = await tempDir();
  const clock = manualClock();
  const logs = captureLogger();
  const sqlite = await openSqliteStore({ dataDir: join(dir.path, 'data'), clock });
  let readOnly = false;
  const attempted: string[] = [];
  const connector = compiledConnector({ name: 'registry', url: receiver.url, revision: 'r1' });
  const engine = await createEngine({ connectors: [connector], store: refusingWrites(sqlite, () => readOnly, attempted), clock, logger: logs.logger, sweepSchedule: null, retentionSchedule: null });
  const app = buildServer({ engine, logger: logs.logger });
  try {
    const id = await engine.emit({ type: 'thing', id: 'gone-1' });
    await waitUntil(async () => ((await engine.getEvent(id))?.deliveries[0]?.state === 'dead' ? true : undefined), 'the 410 to kill the delivery');
    await waitUntil(async () => ((await engine.store.disabledConnectors()).length === 1 ? true : undefined), 'the disablement to be stored');
    assert.equal((await engine.status()).flow.registry?.state, 'disabled');

    // The connector's configuration changes (a new revision): the 410 no longer applies to it.
    engine.registry.replace([{ ...connector, revision: 'r2' }]);
    readOnly = true;
    const response = await app.inject({ method: 'GET', url: '/status' });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json() as { connectors: { name: string; state: string }[]; deliveries: Record<string, number> };
    assert.deepEqual(body.connectors.map(({ name, state }) => [name, state]), [['registry', 'active']]);
    assert.equal(body.deliveries.dead, 1);
    assert.equal((await engine.status()).flow.registry?.state, 'active');
    assert.deepEqual(attempted, [], 'a status read must not write');
  } finally {
    readOnly = false;
    await app.close();
    await engine.close();
    await sqlite.close();
    await receiver.close();
    await dir.cleanup();
  }
});

/**
 * The dispatcher on its own, over a real SQLite store and a real receiver: the outcome signal.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { manualClock } from '../../engine/clock.js';
import type { DeliveryOutcome } from '../../engine/dispatch/dispatcher-signals.js';
import { createIngest } from '../../engine/bus/ingest.js';
import { loadConnectors } from '../../engine/config/load/load-connectors.js';
import { createRegistry } from '../../engine/config/registry.js';
import { createDispatcher } from '../../engine/dispatch/dispatcher.js';
import { createHttpClient } from '../../engine/dispatch/http-client.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitUntil } from '../helpers/wait-until.js';

describe('dispatcher', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver((request) => (request.body.includes('"bad"') ? 422 : request.body.includes('"busy"') ? 503 : 200));
  });
  after(() => receiver.close());

  test('signals the outcome once per delivery that ends delivered or dead, with the event type', async () => {
    const dir = await tempDir();
    await dir.write('crm.yaml', `name: crm\ntarget: { url: "${receiver.url}" }\nroutes:\n  - name: main\n    on: "*"\n`);
    const { connectors, problems } = await loadConnectors(dir.path, { env: {} });
    assert.deepEqual(problems, []);
    const clock = manualClock();
    const store = await openSqliteStore({ dataDir: join(dir.path, 'data'), clock });
    const registry = createRegistry(connectors);
    const http = createHttpClient({ clock });
    const outcomes: DeliveryOutcome[] = [];
    const { logger } = captureLogger();
    const dispatcher = createDispatcher({ store, registry, http, clock, logger, random: () => 0.5, userAgent: 'test', maxHeld: 100 });
    dispatcher.signals.on('outcome', (o) => void outcomes.push(o));
    const { accept } = createIngest({ store, registry, dispatcher, clock, logger, leaseMs: 60_000 });
    const ingest = (events: Parameters<typeof accept>[0]) => accept(events, 'emit');
    try {
      await ingest([{ type: 'order.created', id: 'good' }, { type: 'order.created', id: 'bad' }, { type: 'order.updated', id: 'busy' }]);
      await waitUntil(() => (outcomes.length === 2 && dispatcher.held.size === 0 ? true : undefined), 'two outcomes');
      const byEvent = Object.fromEntries(outcomes.map(({ deliveryId: _id, ...rest }) => [rest.eventId, rest]));
      assert.deepEqual(byEvent, {
        good: { eventId: 'good', eventType: 'order.created', connector: 'crm', route: 'main', attempts: 1, lastStatus: 200, state: 'delivered' },
        bad: { eventId: 'bad', eventType: 'order.created', connector: 'crm', route: 'main', attempts: 1, lastStatus: 422, state: 'dead' },
      });
      assert.ok(outcomes.every((o) => typeof o.deliveryId === 'string'));
    } finally {
      await dispatcher.close(1_000);
      await http.close();
      await store.close();
      await dir.cleanup();
    }
  });
});

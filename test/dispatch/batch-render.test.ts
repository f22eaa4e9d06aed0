/**
 * A batched route's items are rendered once: at admission, to size them for the batch, and that
 * rendering is what is sent, unless a reload replaced the route before the batch went.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { manualClock } from '../../engine/clock.js';
import { createIngest } from '../../engine/bus/ingest.js';
import type { CompiledConnector, CompiledExpression } from '../../engine/config/compiled.js';
import { loadConnectors } from '../../engine/config/load/load-connectors.js';
import { createRegistry } from '../../engine/config/registry.js';
import { createDispatcher } from '../../engine/dispatch/dispatcher.js';
import { createHttpClient } from '../../engine/dispatch/http-client.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { startReceiver } from '../helpers/receiver.js';
import { tempDir } from '../helpers/temp-dir.js';

const BATCHED = (map: string) => `name: warehouse
target: { url: "\${env:RECEIVER_URL}" }
routes:
  - name: load
    on: tick
    map: '${map}'
    batch: { maxEvents: 3, maxWait: 1h }
`;

/** The connector of `yaml`, its map counting each evaluation in `counter`. */
async function countingConnector(yaml: string, receiverUrl: string, counter: { evaluations: number }): Promise<CompiledConnector> {
  const dir = await tempDir();
  await dir.write('warehouse.yaml', yaml);
  const { connectors, problems } = await loadConnectors(dir.path, { env: { RECEIVER_URL: receiverUrl } });
  await dir.cleanup();
  assert.deepEqual(problems, []);
  const connector = connectors[0]!;
  const route = connector.routes[0]!;
  const map = route.map!;
  const counted: CompiledExpression = {
    source: map.source,
    readsInput: map.readsInput,
    evaluate: (input) => {
      counter.evaluations += 1;
      return map.evaluate(input);
    },
  };
  return { ...connector, routes: [{ ...route, map: counted }] };
}

test('each item of a batch is mapped once, and a reload before the batch goes maps it with the new route', async () => {
  const receiver = await startReceiver();
  const dir = await tempDir();
  const clock = manualClock();
  const store = await openSqliteStore({ dataDir: join(dir.path, 'data'), clock });
  const http = createHttpClient({ clock });
  const first = { evaluations: 0 };
  const second = { evaluations: 0 };
  const registry = createRegistry([await countingConnector(BATCHED('{ "v": 1, "n": n }'), receiver.url, first)]);
  const { logger } = captureLogger();
  const dispatcher = createDispatcher({ store, registry, http, clock, logger, random: () => 0.5, userAgent: 'test', maxHeld: 100 });
  const { accept } = createIngest({ store, registry, dispatcher, clock, logger, leaseMs: 60_000 });
  const ingest = (events: Parameters<typeof accept>[0]) => accept(events, 'emit');
  try {
    await ingest([1, 2, 3].map((n) => ({ type: 'tick', id: `a${n}`, n })));
    const [sent] = await receiver.waitFor(1);
    assert.deepEqual(JSON.parse(sent!.body), [1, 2, 3].map((n) => ({ v: 1, n })));
    assert.equal(first.evaluations, 3, 'three items, each mapped once');

    await ingest([4, 5].map((n) => ({ type: 'tick', id: `b${n}`, n })));
    registry.replace([await countingConnector(BATCHED('{ "v": 2, "n": n }'), receiver.url, second)]);
    await ingest([{ type: 'tick', id: 'b6', n: 6 }]);
    const [, reloaded] = await receiver.waitFor(2);
    assert.deepEqual(JSON.parse(reloaded!.body), [4, 5, 6].map((n) => ({ v: 2, n })));
    assert.equal(first.evaluations, 5, 'the first two sized with the old route');
    assert.equal(second.evaluations, 3, 'the third sized with the new route and sent so, the first two rendered again with it');
  } finally {
    await dispatcher.close(1_000);
    await http.close();
    await store.close();
    await receiver.close();
    await dir.cleanup();
  }
});

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startTestEngine, type TestEngine } from '../helpers/test-engine.js';

const SINK = `
name: sink
target: { url: "\${env:RECEIVER_URL}" }
routes:
  - on: "*"
concurrency: 2
retry: { schedule: [1s] }
`;

describe('sweep and overflow', () => {
  let receiver: Receiver;
  let harness: TestEngine | undefined;

  before(async () => {
    receiver = await startReceiver(() => ({ status: 200, delayMs: 5 }));
  });
  after(async () => {
    await receiver.close();
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    receiver.requests.length = 0;
  });

  test('events beyond what the dispatcher holds wait in the store and are all delivered', async () => {
    harness = await startTestEngine({ 'sink.yaml': SINK }, { RECEIVER_URL: receiver.url }, { maxHeld: 4 });
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const results = await harness.engine.ingest(Array.from({ length: 5 }, (_, i) => ({ type: 'tick', id: `o-${batch}-${i}` })));
      ids.push(...results.map((r) => r.id));
    }
    await receiver.waitFor(50);
    for (const id of ids) assert.equal((await harness.settled(id)).deliveries[0]!.state, 'delivered');
    const delivered = receiver.requests.map((r) => (JSON.parse(r.body) as { id: string }).id).sort();
    assert.deepEqual(delivered, [...ids].sort(), 'each event exactly once');
  });

  test('a sweep claims only due retries, and concurrent sweeps share one run', async () => {
    harness = await startTestEngine({ 'sink.yaml': SINK }, { RECEIVER_URL: receiver.url });
    receiver.respond = (_r, index) => (index < 3 ? 503 : 200);
    const ids = await Promise.all(['a', 'b', 'c'].map((id) => harness!.engine.emit({ type: 'tick', id })));
    for (const id of ids) assert.equal((await harness.settled(id)).deliveries[0]!.state, 'retrying');
    assert.equal(await harness.engine.sweep(), 0);
    harness.clock.advance(1_200);
    const [first, second] = await Promise.all([harness.engine.sweep(), harness.engine.sweep()]);
    assert.equal(first, 3);
    assert.equal(second, 3, 'the second call joined the first run');
    for (const id of ids) assert.equal((await harness.settled(id)).deliveries[0]!.state, 'delivered');
    assert.equal(receiver.requests.length, 6);
    receiver.respond = () => 200;
  });
});

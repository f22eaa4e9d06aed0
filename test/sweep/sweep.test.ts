import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestEngine } from '../helpers/test-engine.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';

const SINK = `
name: sink
target: { url: "\${env:RECEIVER_URL}" }
routes:
  - on: "*"
concurrency: 2
retry: { schedule: [1s] }
`;

describe('sweep and overflow', () => {
  const fixture = useEngineFixture(() => ({ status: 200, delayMs: 5 }));

  test('events beyond what the dispatcher holds wait in the store and are all delivered', async () => {
    fixture.harness = await startTestEngine({ 'sink.yaml': SINK }, { RECEIVER_URL: fixture.receiver.url }, { maxHeld: 4 });
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const results = await fixture.harness.engine.ingest(Array.from({ length: 5 }, (_, i) => ({ type: 'tick', id: `o-${batch}-${i}` })));
      ids.push(...results.map((r) => r.id));
    }
    await fixture.receiver.waitFor(50);
    for (const id of ids) assert.equal((await fixture.harness.settled(id)).deliveries[0]!.state, 'delivered');
    const delivered = fixture.receiver.requests.map((r) => (JSON.parse(r.body) as { id: string }).id).sort();
    assert.deepEqual(delivered, [...ids].sort(), 'each event exactly once');
  });

  test('a sweep claims only due retries, and concurrent sweeps share one run', async () => {
    fixture.harness = await startTestEngine({ 'sink.yaml': SINK }, { RECEIVER_URL: fixture.receiver.url });
    fixture.receiver.respond = (_r, index) => (index < 3 ? 503 : 200);
    const ids = await Promise.all(['a', 'b', 'c'].map((id) => fixture.harness!.engine.emit({ type: 'tick', id })));
    for (const id of ids) assert.equal((await fixture.harness.settled(id)).deliveries[0]!.state, 'retrying');
    assert.equal(await fixture.harness.engine.sweep(), 0);
    fixture.harness.clock.advance(1_200);
    const [first, second] = await Promise.all([fixture.harness.engine.sweep(), fixture.harness.engine.sweep()]);
    assert.equal(first, 3);
    assert.equal(second, 3, 'the second call joined the first run');
    for (const id of ids) assert.equal((await fixture.harness.settled(id)).deliveries[0]!.state, 'delivered');
    assert.equal(fixture.receiver.requests.length, 6);
    fixture.receiver.respond = () => 200;
  });
});

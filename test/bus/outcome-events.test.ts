import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SyncEvent } from '../../engine/model.js';
import { startTestEngine } from '../helpers/test-engine.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { waitUntil } from '../helpers/wait-until.js';

const REGISTRY = `name: registry\ntarget: { url: "\${env:RECEIVER_URL}" }\nroutes:\n  - name: create\n    on: permitApproved\n    path: /permits\n`;
const ALERTS = `name: alerts
target: { url: "\${env:RECEIVER_URL}" }
routes:
  - name: chat
    on: sync.dead
    path: /alert
    map: '{ "text": "delivery of " & eventId & " to " & connector & " died after " & $string(attempts) & " attempts (HTTP " & $string(lastStatus) & ")" }'
`;

describe('outcome events', () => {
  const fixture = useEngineFixture((request) => (request.url === '/permits' && request.body.includes('"bad"') ? 400 : 200));

  test('subscribers see sync.delivered and sync.dead with the delivery facts', async () => {
    fixture.harness = await startTestEngine({ 'registry.yaml': REGISTRY }, { RECEIVER_URL: fixture.receiver.url });
    const seen: SyncEvent[] = [];
    fixture.harness.engine.subscribe((event) => seen.push(event));
    await fixture.harness.settled(await fixture.harness.engine.emit({ type: 'permitApproved', id: 'ok-1' }));
    await fixture.harness.settled(await fixture.harness.engine.emit({ type: 'permitApproved', id: 'bad' }));
    await waitUntil(() => (seen.length === 2 ? true : undefined), 'two outcomes');
    const [delivered, dead] = seen;
    assert.equal(delivered!.type, 'sync.delivered');
    assert.deepEqual(
      { eventId: delivered!.eventId, connector: delivered!.connector, route: delivered!.route, attempts: delivered!.attempts, lastStatus: delivered!.lastStatus },
      { eventId: 'ok-1', connector: 'registry', route: 'create', attempts: 1, lastStatus: 200 },
    );
    assert.equal(dead!.type, 'sync.dead');
    assert.equal(dead!.eventId, 'bad');
    assert.equal(dead!.lastStatus, 400);
    assert.equal(await fixture.harness.engine.getEvent(String(dead!.id)), undefined, 'not stored when no route takes it');
  });

  test('a connector can route sync.dead to a chat webhook, and that delivery causes no further outcome', async () => {
    fixture.harness = await startTestEngine({ 'registry.yaml': REGISTRY, 'alerts.yaml': ALERTS }, { RECEIVER_URL: fixture.receiver.url });
    const seen: SyncEvent[] = [];
    fixture.harness.engine.subscribe((event) => seen.push(event));
    await fixture.harness.settled(await fixture.harness.engine.emit({ type: 'permitApproved', id: 'bad' }));
    const alert = await waitUntil(() => fixture.receiver.requests.find((r) => r.url === '/alert'), 'the alert');
    assert.deepEqual(JSON.parse(alert.body), { text: 'delivery of bad to registry died after 1 attempts (HTTP 400)' });
    const deadEvent = seen.find((e) => e.type === 'sync.dead')!;
    const stored = await fixture.harness.settled(String(deadEvent.id), (d) => d.state === 'delivered');
    assert.deepEqual(stored.deliveries.map((d) => [d.connector, d.route]), [['alerts', 'chat']]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(seen.map((e) => e.type), ['sync.dead'], 'the alert delivery produced no outcome of its own');
    assert.equal(fixture.receiver.requests.filter((r) => r.url === '/alert').length, 1);
  });
});

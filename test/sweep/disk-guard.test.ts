/**
 * The disk guard (--max-store-size) over a real SQLite file with real sizes: past the maximum,
 * retention deletes the oldest delivered deliveries first whatever their window; when that is not
 * enough, POST /events answers 507 STORE_FULL and stores nothing, until there is room again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildServer } from '../../engine/api/server.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { startTestEngine } from '../helpers/test-engine.js';
import { waitUntil } from '../helpers/wait-until.js';

const MAX_STORE_BYTES = 8 * 1024 * 1024;
const NOTE = 'x'.repeat(2_000);
const SINK = 'name: sink\ntarget: { url: "${env:RECEIVER_URL}" }\nroutes:\n  - on: "*"\n    path: /{type}\nretry: { schedule: [1h] }\n';

/** `ok` events are delivered; `busy` ones wait for a retry (503) until `busy` is set to false. */
let busy = true;
const respond = (request: { url: string }) => (request.url.endsWith('/ok') || !busy ? 200 : 503);

describe('disk guard', () => {
  const fixture = useEngineFixture(respond);

  test('deletes the oldest delivered first; answers 507 STORE_FULL with nothing stored while still past the maximum; accepts again once there is room', async () => {
    busy = true;
    const harness = (fixture.harness = await startTestEngine({ 'sink.yaml': SINK }, { RECEIVER_URL: fixture.receiver.url }, { retention: { maxStoreBytes: MAX_STORE_BYTES } }));
    const { engine, clock } = harness;
    const app = buildServer({ engine, logger: harness.logs.logger });
    try {
      const post = (events: object[]) => app.inject({ method: 'POST', url: '/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(events) });
      const batch = (type: string, from: number) => Array.from({ length: 500 }, (_, i) => ({ type, id: `${type}-${from + i}`, note: NOTE }));
      const counts = async () => (await engine.status()).deliveries;

      for (let b = 0; b < 10; b++) assert.equal((await post(batch('ok', b * 500))).statusCode, 202);
      await waitUntil(async () => ((await counts()).delivered === 5_000 ? true : undefined), 'every ok event to be delivered', 30_000);
      assert.ok((await engine.status()).store.dataBytes > 2 * MAX_STORE_BYTES, 'well past the maximum');

      const trimmed = await engine.retain();
      assert.ok(trimmed.deleted.deliveries > 0 && trimmed.deleted.deliveries < 5_000, JSON.stringify(trimmed.deleted));
      assert.equal(trimmed.deleted.events, trimmed.deleted.deliveries, 'each event went with its only delivery, whatever --retain-events');
      let status = await engine.status();
      assert.ok(status.store.dataBytes <= MAX_STORE_BYTES, `${status.store.dataBytes} bytes`);
      assert.equal(status.store.full, false);
      assert.equal(await engine.getEvent('ok-0'), undefined, 'the oldest went');
      assert.ok(await engine.getEvent('ok-4999'), 'the newest stayed');
      assert.match(harness.logs.text(), /the store was past --max-store-size: deleted the oldest \d+ delivered deliveries and \d+ events, whatever their retention/);

      // Work that may not be deleted: waiting deliveries, more of them than the maximum holds.
      for (let b = 0; b < 8; b++) assert.equal((await post(batch('busy', b * 500))).statusCode, 202);
      await waitUntil(async () => ((await counts()).retrying === 4_000 ? true : undefined), 'every busy event to wait for a retry', 30_000);
      await engine.retain();
      status = await engine.status();
      assert.equal(status.store.full, true);
      assert.equal(status.deliveries.delivered, 0, 'every delivered delivery went first');
      const refused = await post([{ type: 'ok', id: 'refused-1' }]);
      assert.equal(refused.statusCode, 507);
      assert.equal(refused.json().error.code, 'STORE_FULL');
      assert.match(refused.json().error.message, /nothing of this request was stored, so send it again later/);
      await assert.rejects(engine.emit({ type: 'ok', id: 'refused-2' }), { code: 'STORE_FULL' });
      assert.equal(await engine.getEvent('refused-1'), undefined);
      assert.equal(await engine.getEvent('refused-2'), undefined);
      assert.match(harness.logs.text(), /POST \/events answers 507 STORE_FULL until there is room/);
      assert.equal((await counts()).retrying, 4_000, 'the guard never deletes waiting work');

      busy = false;
      clock.advance(2 * 3_600_000);
      await engine.sweep();
      await waitUntil(async () => ((await counts()).delivered === 4_000 ? true : undefined), 'the backlog to be delivered', 30_000);
      await engine.retain();
      assert.equal((await engine.status()).store.full, false);
      assert.equal((await post([{ type: 'ok', id: 'accepted-again' }])).statusCode, 202);
      assert.match(harness.logs.text(), /the store is under --max-store-size again; POST \/events accepts events/);
    } finally {
      await app.close();
    }
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { startCountingReceiver } from '../../bench/counting-receiver.js';

test('replayed requests (Hms-Sync-Replay) are counted apart and never fill or skew a window', async () => {
  const receiver = await startCountingReceiver();
  try {
    receiver.startWindow(1);
    const post = async (headers: Record<string, string>, sentAt: number) => {
      const response = await request(`${receiver.url}/ingest/permitApproved`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ permitId: 'x', sentAt }) });
      assert.equal(response.statusCode, 200);
      await response.body.dump();
    };
    await post({ 'hms-sync-replay': 'r1' }, 0);
    await post({ 'hms-sync-replay': 'r1' }, 0);
    assert.equal(receiver.replayed(), 2);
    await post({}, Date.now());
    const window = await receiver.waitForWindow(5_000);
    assert.deepEqual([window.complete, window.received, window.latenciesMs.length], [true, 1, 1]);
    assert.ok(window.latenciesMs[0]! < 60_000, 'the latency is the live request\'s, not a replayed one\'s stamped at 0');
  } finally {
    await receiver.close();
  }
});

test('an observer sees each counted request with its Idempotency-Key, and replayed ones not at all', async () => {
  const receiver = await startCountingReceiver();
  const seen: string[] = [];
  try {
    receiver.startWindow(2);
    receiver.observe((request) => seen.push(request.idempotencyKey));
    for (const headers of [{ 'idempotency-key': 'd1' }, { 'idempotency-key': 'd1', 'hms-sync-replay': 'r1' }, { 'idempotency-key': 'd2' }]) {
      const response = await request(`${receiver.url}/ingest/permitApproved`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
      await response.body.dump();
    }
    receiver.observe(null);
    const response = await request(`${receiver.url}/ingest/permitApproved`, { method: 'POST', headers: { 'idempotency-key': 'd3' }, body: '{}' });
    await response.body.dump();
    assert.deepEqual(seen, ['d1', 'd2']);
  } finally {
    await receiver.close();
  }
});

/**
 * What an operator reads at each level (issue 12, section 4): one line per failed attempt, retry
 * and dead delivery at info or above, successful deliveries at debug, a summary per connector,
 * the same field names everywhere and times as ISO strings.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { MIXED_OUTCOMES_CONNECTOR, mixedOutcomes } from '../helpers/mixed-outcomes.js';
import { startTestEngine } from '../helpers/test-engine.js';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Fields that hold a time, in any line. */
const TIME_FIELD = /(At|Until|^since|^until|^time)$/;

describe('operator logs', () => {
  const fixture = useEngineFixture(mixedOutcomes());

  test('logs a delivery at debug, a retry at info, a dead delivery at warn, and a summary per connector at close', async () => {
    const harness = (fixture.harness = await startTestEngine({ 'registry.yaml': MIXED_OUTCOMES_CONNECTOR }, { RECEIVER_URL: fixture.receiver.url }));
    const ids = [await harness.engine.emit({ type: 'ok', id: 'e-ok' }), await harness.engine.emit({ type: 'flaky', id: 'e-flaky' }), await harness.engine.emit({ type: 'bad', id: 'e-bad' })];
    for (const id of ids) await harness.settled(id);
    await harness.engine.close();

    const lines = harness.logs.lines();
    const attemptLine = (msg: string) => lines.find((line) => line.msg === msg) ?? assert.fail(`no "${msg}" line`);
    const delivered = attemptLine('delivered');
    assert.equal(delivered.level, 20, 'debug');
    assert.deepEqual([delivered.eventId, delivered.connector, delivered.route, delivered.status, delivered.statusClass], ['e-ok', 'registry', 'ok', 200, '2xx']);
    const retry = attemptLine('retry scheduled');
    assert.equal(retry.level, 30, 'info');
    assert.deepEqual([retry.eventId, retry.statusClass], ['e-flaky', '5xx']);
    assert.match(String(retry.nextAttemptAt), ISO_TIME);
    const dead = attemptLine('dead');
    assert.equal(dead.level, 40, 'warn');
    assert.match(String(dead.error), /^TARGET_REJECTED: HTTP 400/);
    for (const line of [delivered, retry, dead]) assert.equal(typeof line.deliveryId, 'string');

    const summary = attemptLine('delivery summary');
    assert.deepEqual([summary.level, summary.connector, summary.delivered, summary.failed, summary.retried, summary.dead], [30, 'registry', 1, 2, 1, 1]);

    for (const line of lines) {
      assert.ok(!('id' in line), `a line names its ids (deliveryId, eventId), not "id": ${JSON.stringify(line)}`);
      for (const [field, value] of Object.entries(line)) {
        if (TIME_FIELD.test(field) && value !== null) assert.match(String(value), ISO_TIME, `${field} of "${String(line.msg)}"`);
      }
    }
  });
});

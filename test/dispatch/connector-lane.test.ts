/**
 * A lane's two timers (connector-lane.ts), with timers fired by hand and a clock that moves only
 * when told: the rate timer that pumps the lane for the next token, and the hold timer that says
 * when a pause or an open breaker has ended; and the order its ready work starts in.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manualClock, MAX_TIMER_DELAY_MS } from '../../engine/clock.js';
import { ConnectorLane } from '../../engine/dispatch/connector-lane.js';
import { compiledConnector } from '../helpers/compiled-connector.js';
import { manualTimers } from '../helpers/manual-timers.js';

const DAY_MS = 86_400_000;

interface Job {
  readonly orderingKey: string | null;
  readonly replayId: string | null;
  readonly id: string;
}

function setup() {
  const fake = manualTimers();
  const lane = new ConnectorLane<Job>('crm', fake.timers);
  const calls = { pumped: 0, ended: 0 };
  return { ...fake, lane, calls, pump: () => void calls.pumped++, ended: () => void calls.ended++, clock: manualClock() };
}

describe('the rate timer (wakeForToken)', () => {
  test('sets one timer at a time and pumps the lane when it fires', () => {
    const { lane, pending, fireNext, calls, pump } = setup();
    lane.wakeForToken(100, pump);
    lane.wakeForToken(40, pump);
    assert.deepEqual(pending(), [100], 'the second wait joins the first');
    fireNext();
    assert.equal(calls.pumped, 1);
    lane.wakeForToken(60, pump);
    assert.deepEqual(pending(), [60], 'once fired, the next wait sets a new timer');
    fireNext();
    assert.equal(calls.pumped, 2);
  });
});

describe('the hold timer (wakeWhenHoldEnds)', () => {
  test('calls ended once the clock has reached dueAt', () => {
    const { lane, pending, fireNext, calls, ended, clock } = setup();
    const dueAt = clock.now() + 5_000;
    lane.wakeWhenHoldEnds(dueAt, clock, ended);
    assert.deepEqual(pending(), [5_001], 'a ms past dueAt, so the work is due when it fires');
    clock.set(dueAt);
    fireNext();
    assert.equal(calls.ended, 1);
    assert.deepEqual(pending(), []);
  });

  test('sets one timer at a time', () => {
    const { lane, pending, clock, ended } = setup();
    lane.wakeWhenHoldEnds(clock.now() + 5_000, clock, ended);
    lane.wakeWhenHoldEnds(clock.now() + 60_000, clock, ended);
    assert.deepEqual(pending(), [5_001]);
  });

  test('waits out a timer that fires before the clock reaches dueAt', () => {
    const { lane, pending, fireNext, calls, ended, clock } = setup();
    const dueAt = clock.now() + 5_000;
    lane.wakeWhenHoldEnds(dueAt, clock, ended);
    clock.advance(3_000);
    fireNext();
    assert.equal(calls.ended, 0);
    assert.deepEqual(pending(), [2_001], 'armed again for the rest');
    clock.advance(1_999);
    fireNext();
    assert.equal(calls.ended, 0, 'still a ms early');
    assert.deepEqual(pending(), [2]);
    clock.advance(1);
    fireNext();
    assert.equal(calls.ended, 1);
  });

  test('a dueAt already past fires after a ms', () => {
    const { lane, pending, fireNext, calls, ended, clock } = setup();
    lane.wakeWhenHoldEnds(clock.now() - 5_000, clock, ended);
    assert.deepEqual(pending(), [1]);
    fireNext();
    assert.equal(calls.ended, 1);
  });

  test(`caps its delay at MAX_TIMER_DELAY_MS (${MAX_TIMER_DELAY_MS} ms) and waits again for the rest`, () => {
    const { lane, pending, fireNext, calls, ended, clock } = setup();
    const dueAt = clock.now() + 30 * DAY_MS;
    lane.wakeWhenHoldEnds(dueAt, clock, ended);
    assert.deepEqual(pending(), [MAX_TIMER_DELAY_MS]);
    clock.advance(MAX_TIMER_DELAY_MS);
    fireNext();
    assert.equal(calls.ended, 0);
    assert.deepEqual(pending(), [30 * DAY_MS - MAX_TIMER_DELAY_MS + 1]);
    clock.set(dueAt);
    fireNext();
    assert.equal(calls.ended, 1);
  });
});

describe('stopTimers', () => {
  test('clears both timers, and later waits set new ones', () => {
    const { lane, pending, fireAll, calls, pump, ended, clock } = setup();
    lane.wakeForToken(100, pump);
    lane.wakeWhenHoldEnds(clock.now() + 5_000, clock, ended);
    lane.stopTimers();
    assert.deepEqual(pending(), []);
    fireAll();
    assert.deepEqual(calls, { pumped: 0, ended: 0 });
    lane.stopTimers();
    lane.wakeForToken(100, pump);
    lane.wakeWhenHoldEnds(clock.now() + 5_000, clock, ended);
    assert.deepEqual(pending(), [100, 5_001]);
  });
});

describe('the lane', () => {
  test('starts with the 410 record the store kept, for that revision only', () => {
    const disabled = { revision: 'r1', since: 0, reason: 'the target answered 410 Gone' };
    const lane = new ConnectorLane<Job>('crm', manualTimers().timers, { disabled });
    const url = 'http://127.0.0.1:9';
    assert.equal(lane.state.hold(compiledConnector({ url, revision: 'r1' }), 5)?.reason, 'disabled');
    assert.equal(lane.state.hold(compiledConnector({ url, revision: 'r2' }), 5), undefined);
  });

  test("starts live work first: a replay's units only when no live unit is ready", () => {
    const lane = new ConnectorLane<Job>('crm', manualTimers().timers);
    const unit = (id: string, replayId: string | null = null) => ({ route: 'main', jobs: [{ id, orderingKey: null, replayId }] as const, batch: false });
    lane.enqueue(unit('r1', 'replay-1'));
    lane.enqueue(unit('live1'));
    lane.enqueue(unit('r2', 'replay-1'));
    lane.enqueue(unit('live2'));
    assert.equal(lane.ready, 4);
    assert.deepEqual([lane.next(), lane.next()].map((u) => u?.jobs[0].id), ['live1', 'live2']);
    lane.enqueue(unit('live3'));
    assert.deepEqual([lane.next(), lane.next(), lane.next(), lane.next()].map((u) => u?.jobs[0].id), ['live3', 'r1', 'r2', undefined]);
    assert.equal(lane.ready, 0);
  });
});

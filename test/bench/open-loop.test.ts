import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventsDueBy, eventsInTick, scheduledEvents, TICK_MS } from '../../bench/open-loop.js';

test('ticks add up to the events due over the run, none negative, at a rate that does not divide the tick', () => {
  const rate = 333.3;
  let total = 0;
  for (let tick = 0; tick < 1_000; tick++) {
    const n = eventsInTick(rate, TICK_MS, tick);
    assert.ok(n >= 0 && n <= Math.ceil((rate * TICK_MS) / 1000), `tick ${tick}: ${n}`);
    total += n;
  }
  assert.equal(total, eventsDueBy(rate, 1_000 * TICK_MS));
  assert.equal(total, scheduledEvents(rate, 1_000 * TICK_MS));
});

test('a rate below one event per tick spreads single events over the ticks', () => {
  const counts = Array.from({ length: 10 }, (_, tick) => eventsInTick(50, 10, tick));
  assert.deepEqual(counts, [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
});

test('a run that is not a whole number of ticks schedules its last, partial tick in full', () => {
  assert.equal(scheduledEvents(1_000, 25), eventsDueBy(1_000, 30));
});

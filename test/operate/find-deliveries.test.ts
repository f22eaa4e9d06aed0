/**
 * `q`, the JSONata predicate over event bodies, over a real SQLite store: what it matches, the
 * scan limit and time budget that end a page early (with `scanned` and a `next`), the guardrails
 * that stop a runaway expression, and bulk iteration over every match.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { manualClock, type Clock } from '../../engine/clock.js';
import { HmsError } from '../../engine/errors.js';
import { everyMatch, findDeliveries, Q_SCAN_LIMIT } from '../../engine/operate/find-deliveries.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { Store } from '../../engine/store/store.js';
import { pending, T0 } from '../store/contract-helpers.js';
import { tempDir } from '../helpers/temp-dir.js';

const EVENTS = Q_SCAN_LIMIT + 50;

describe('q over event bodies', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: Store;
  const clock = manualClock(T0);

  before(async () => {
    dir = await tempDir();
    store = await openSqliteStore({ dataDir: dir.path, clock });
    // permitId i; every 1000th is for inspector Lee; one body of another shape (amount is text).
    const events = Array.from({ length: EVENTS }, (_, i) => ({
      id: `e${i}`,
      type: 'permit.approved',
      body: JSON.stringify(i === 7 ? { type: 'permit.approved', amount: 'many' } : { type: 'permit.approved', permitId: i, amount: i, inspector: i % 1000 === 0 ? 'Lee' : 'Kim' }),
      receivedAt: T0 + i,
      deliveries: [pending(`d${i}`)],
    }));
    for (let start = 0; start < events.length; start += 2_000) await store.acceptEvents(events.slice(start, start + 2_000));
  });
  after(async () => {
    await store.close();
    await dir.cleanup();
  });

  it('finds the deliveries whose event satisfies q, newest first, and says how many it evaluated', async () => {
    const found = await findDeliveries(store, { filter: { since: T0 + 9_000 }, q: 'permitId = 9123 or inspector = "Lee"', order: 'desc', limit: 100 }, clock);
    assert.deepEqual(found.deliveries.map((d) => d.id), ['d10000', 'd9123', 'd9000']);
    assert.equal(found.scanned, EVENTS - 9_000);
    assert.equal(found.next, null);
    assert.equal(found.deliveries[0]!.eventBody, undefined, 'bodies are not handed out');
  });

  it('counts an event q fails on (a type error on another shape) as no match', async () => {
    const found = await findDeliveries(store, { filter: { until: T0 + 20 }, q: 'amount > 5', order: 'asc', limit: 100 }, clock);
    assert.deepEqual(found.deliveries.map((d) => d.id), ['d6', 'd8', 'd9', 'd10', 'd11', 'd12', 'd13', 'd14', 'd15', 'd16', 'd17', 'd18', 'd19']);
  });

  it('ends a page after Q_SCAN_LIMIT events with a next that goes on from there', async () => {
    const first = await findDeliveries(store, { filter: {}, q: 'permitId = 3', order: 'desc', limit: 10 }, clock);
    assert.deepEqual([first.deliveries.length, first.scanned], [0, Q_SCAN_LIMIT]);
    assert.ok(first.next !== null);
    const second = await findDeliveries(store, { filter: {}, q: 'permitId = 3', order: 'desc', limit: 10, after: first.next }, clock);
    assert.deepEqual([second.deliveries.map((d) => d.id), second.scanned, second.next], [['d3'], EVENTS - Q_SCAN_LIMIT, null]);
  });

  it('ends a page when its time budget is spent, by the engine clock', async () => {
    let now = T0;
    const slowClock: Clock = { now: () => (now += 100) };
    const found = await findDeliveries(store, { filter: {}, q: 'permitId = 3', order: 'desc', limit: 10 }, slowClock);
    assert.ok(found.scanned! < 20, `stopped after ${found.scanned}`);
    assert.ok(found.next !== null);
  });

  it('stops a runaway q at the guardrails of mappings: QUERY_INVALID naming the delivery', async () => {
    for (const [q, guardrail] of [
      ['($f := function($x) { $f($x) + 1 }; $f(permitId))', /Stack overflow/],
      ['$count([1..9999999].($ * 2)) > 0', /timeout after 250 milliseconds/],
    ] as const) {
      await assert.rejects(findDeliveries(store, { filter: {}, q, order: 'desc', limit: 10 }, clock), (error: unknown) => {
        assert.ok(error instanceof HmsError && error.code === 'QUERY_INVALID', String(error));
        assert.match(error.message, guardrail);
        assert.match(error.message, /^"q" stopped on the event of delivery d\d+/);
        return true;
      });
    }
  });

  it('refuses q that is not JSONata, naming the column', async () => {
    await assert.rejects(findDeliveries(store, { filter: {}, q: 'permitId == 3', order: 'desc', limit: 10 }, clock), /"q" is not a valid JSONata predicate at column 11/);
  });

  it('goes through every match for a bulk action, oldest first, chunk by chunk, with no scan limit', async () => {
    const ids: string[] = [];
    for await (const chunk of everyMatch(store, {}, 'inspector = "Lee"')) ids.push(...chunk.map((d) => d.id));
    assert.deepEqual(ids, Array.from({ length: Math.ceil(EVENTS / 1000) }, (_, i) => `d${i * 1000}`));
  });
});

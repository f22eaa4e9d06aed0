/**
 * The cursor a replay and its dry run walk their window with (replay-cursor.ts), over a real
 * SQLite store: matching events handed out a budget of deliveries at a time, in acceptance order,
 * and a position from which a new cursor repeats nothing and misses nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteStore } from '../../../engine/store/sqlite/sqlite-store.js';
import type { ReplaySpec, Store } from '../../../engine/store/store.js';
import { ReplayCursor, SCAN_POSITIONS } from '../../../engine/sweep/replay/replay-cursor.js';
import { createReplayMatcher, type PlanRoutes } from '../../../engine/sweep/replay/replay-matcher.js';
import { tempDir } from '../../helpers/temp-dir.js';

const T0 = Date.UTC(2026, 0, 1);

/** Events n0..n{count-1}, one a second from T0; every third is of another type, every fifth has two routes. */
async function withEvents(count: number, body: (store: Store) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  const store = await openSqliteStore({ dataDir: dir.path });
  try {
    const events = Array.from({ length: count }, (_, i) => {
      const type = i % 3 === 2 ? 'other' : 'order';
      return { id: `n${i}`, type, body: JSON.stringify({ type, id: `n${i}`, n: i }), receivedAt: T0 + i * 1_000, deliveries: [] };
    });
    await store.acceptEvents(events);
    await body(store);
  } finally {
    await store.close();
    await dir.cleanup();
  }
}

const planRoutes: PlanRoutes = async (event) => ((event.n as number) % 5 === 0 ? [{ route: 'a', orderingKey: null }, { route: 'b', orderingKey: null }] : [{ route: 'a', orderingKey: null }]);

function spec(extra: Partial<ReplaySpec> = {}): ReplaySpec {
  return { connector: 'crm', mode: 'redeliver', since: T0, until: T0 + 10_000_000, retainedSince: T0, eventTypes: ['order'], where: null, perSecond: 100, ...extra };
}

async function walk(cursor: ReplayCursor, budget: number) {
  const ids: string[] = [];
  let skipped = 0;
  for (let steps = 0; steps < 10_000; steps += 1) {
    const taken = await cursor.take(budget);
    ids.push(...taken.events.map((e) => e.id));
    skipped += taken.skipped;
    if (taken.done) return { ids, skipped, position: taken.position };
  }
  throw new Error('the walk never ended');
}

test('hands out the matching events in acceptance order, within a budget of deliveries', () =>
  withEvents(30, async (store) => {
    const cursor = new ReplayCursor(store, spec(), createReplayMatcher(spec(), planRoutes), null);
    const first = await cursor.take(3);
    assert.deepEqual(first.events.map((e) => [e.id, e.routes.length]), [['n0', 2], ['n1', 1]], 'n3 would pass the budget of 3');
    assert.equal(first.position, first.events[1]!.position);
    const all = await walk(cursor, 3);
    const expected = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 !== 2 && i > 1).map((i) => `n${i}`);
    assert.deepEqual(all.ids, expected);
  }));

test('hands out one event whose routes pass the budget, rather than none', () =>
  withEvents(3, async (store) => {
    const cursor = new ReplayCursor(store, spec(), createReplayMatcher(spec(), planRoutes), null);
    assert.deepEqual((await cursor.take(1)).events.map((e) => e.id), ['n0']);
    assert.deepEqual((await cursor.take(0)).events, [], 'no budget, nothing');
  }));

test('a new cursor from a position handed out repeats nothing and misses nothing', () =>
  withEvents(50, async (store) => {
    const whole = await walk(new ReplayCursor(store, spec(), createReplayMatcher(spec(), planRoutes), null), 1_000);
    const cursor = new ReplayCursor(store, spec(), createReplayMatcher(spec(), planRoutes), null);
    const before = await cursor.take(7);
    const after = await walk(new ReplayCursor(store, spec(), createReplayMatcher(spec(), planRoutes), before.position), 4);
    assert.deepEqual([...before.events.map((e) => e.id), ...after.ids], whole.ids);
  }));

test('skips, and counts, matching events accepted before retainedSince; where and the window filter', () =>
  withEvents(20, async (store) => {
    const narrow = spec({ since: T0 + 2_000, until: T0 + 12_000, retainedSince: T0 + 6_000, where: 'n != 9' });
    const walked = await walk(new ReplayCursor(store, narrow, createReplayMatcher(narrow, planRoutes), null), 100);
    assert.deepEqual(walked.ids, ['n6', 'n7', 'n10']);
    assert.equal(walked.skipped, 2, 'n3 and n4 are matching but past retention; n2 and n5 are of another type');
  }));

test('walks a window larger than one read, one stretch of positions per read', () =>
  withEvents(SCAN_POSITIONS * 2 + 10, async (store) => {
    const wide = spec({ eventTypes: null });
    const walked = await walk(new ReplayCursor(store, wide, createReplayMatcher(wide, planRoutes), null), 500);
    assert.equal(walked.ids.length, SCAN_POSITIONS * 2 + 10);
    assert.equal(new Set(walked.ids).size, walked.ids.length);
  }));

/** Store contract: operator pauses, and replays (their scan, their steps, their progress). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { NewReplay, NewReplayDelivery, ReplayStep, Store } from '../../engine/store/store.js';
import { attempt, claim, DELIVERED, died, retrying, event, pending, T0, withClockedStore, withStore, type OpenFreshStore } from './contract-helpers.js';

const MINUTE = 60_000;

function replay(id: string, extra: Partial<NewReplay> = {}): NewReplay {
  return {
    id,
    connector: 'crm',
    mode: 'redeliver',
    since: T0,
    until: T0 + 10 * MINUTE,
    retainedSince: T0 - MINUTE,
    eventTypes: null,
    where: null,
    perSecond: 100,
    createdAt: T0 + 20 * MINUTE,
    createdBy: 'api token',
    declared: false,
    ...extra,
  };
}

function delivery(id: string, eventId: string, state: NewReplayDelivery['state'] = 'pending'): NewReplayDelivery {
  return { id, eventId, connector: 'crm', route: 'main', state, nextAttemptAt: state === 'dead' ? null : T0 + 20 * MINUTE, ...(state === 'dead' && { lastError: 'MAPPING_FAILED: no' }) };
}

function step(position: number, deliveries: readonly NewReplayDelivery[], extra: Partial<ReplayStep> = {}): ReplayStep {
  return { deliveries, position, matched: new Set(deliveries.map((d) => d.eventId)).size, skippedByRetention: 0, done: false, now: T0 + 20 * MINUTE, ...extra };
}

/** Events e0..e{n-1}, one a minute from T0, each with a delivery of erp (not crm). */
async function eventsEachMinute(store: Store, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await store.acceptEvents([event(`e${i}`, [pending(`live${i}`, 'erp')], T0 + i * MINUTE)]);
}

async function scanAll(store: Store, scan: Omit<Parameters<Store['scanReplayEvents']>[0], 'after'>): Promise<string[]> {
  const ids: string[] = [];
  let after: number | null = null;
  for (let calls = 0; calls < 100; calls += 1) {
    const page = await store.scanReplayEvents({ ...scan, after });
    ids.push(...page.events.map((e) => e.id));
    if (page.done) return ids;
    assert.ok(after === null || page.through > after, 'each call moves on');
    after = page.through;
  }
  throw new Error('the scan never finished');
}

export function replaysContract(openFresh: OpenFreshStore): void {
  it('keeps an operator pause per connector until it is cleared, the latest replacing the earlier', () =>
    withStore(openFresh, async (store) => {
      await store.setPaused('crm', { by: 'api token', since: T0 });
      await store.setPaused('erp', { by: 'anonymous loopback', since: T0 + 1 });
      await store.setPaused('crm', { by: 'read token', since: T0 + 2 });
      assert.deepEqual(await store.pausedConnectors(), [
        { connector: 'crm', by: 'read token', since: T0 + 2 },
        { connector: 'erp', by: 'anonymous loopback', since: T0 + 1 },
      ]);
      await store.setPaused('crm', null);
      await store.setPaused('nobody', null);
      assert.deepEqual((await store.pausedConnectors()).map((p) => p.connector), ['erp']);
    }));

  it('scans the events of a window in acceptance order, a stretch at a time, to its end', () =>
    withStore(openFresh, async (store) => {
      await eventsEachMinute(store, 12);
      const window = { since: T0 + 2 * MINUTE, until: T0 + 9 * MINUTE, limit: 3 };
      assert.deepEqual(await scanAll(store, window), ['e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8']);
      const first = await store.scanReplayEvents({ ...window, after: null, limit: 1_000 });
      assert.equal(first.done, true);
      assert.deepEqual(first.events[0], { position: first.events[0]!.position, id: 'e2', type: 'order.created', body: JSON.stringify({ type: 'order.created', id: 'e2' }), receivedAt: T0 + 2 * MINUTE, traceparent: null });
      const rest = await store.scanReplayEvents({ ...window, after: first.events[3]!.position, limit: 1_000 });
      assert.deepEqual(rest.events.map((e) => e.id), ['e6', 'e7', 'e8'], 'after a position, the events beyond it');
      assert.deepEqual(await scanAll(store, { since: T0 + 30 * MINUTE, until: T0 + 40 * MINUTE, limit: 5 }), [], 'a window after every event is empty');
    }));

  it('scans for a backfill only the events without a delivery of its connector', () =>
    withStore(openFresh, async (store) => {
      await eventsEachMinute(store, 3);
      await store.acceptEvents([event('has-crm', [pending('c1', 'crm')], T0 + 3 * MINUTE), event('no-routes', [], T0 + 4 * MINUTE)]);
      const window = { since: T0, until: T0 + 10 * MINUTE, limit: 100 };
      assert.deepEqual(await scanAll(store, { ...window, withoutDeliveryOf: 'crm' }), ['e0', 'e1', 'e2', 'no-routes']);
      assert.deepEqual(await scanAll(store, { ...window, withoutDeliveryOf: 'erp' }), ['has-crm', 'no-routes']);
    }));

  it('starts a declared backfill once per connector name, ever', () =>
    withStore(openFresh, async (store) => {
      assert.equal(await store.startReplay(replay('r1', { declared: true })), true);
      assert.equal(await store.startReplay(replay('r2', { declared: true })), false, 'the same connector again');
      assert.equal(await store.startReplay(replay('r3', { declared: true, connector: 'erp' })), true);
      assert.equal(await store.startReplay(replay('r4')), true, 'an operator replay of the connector is no declared one');
      assert.equal(await store.getReplay('r2'), undefined);
      assert.deepEqual((await store.listReplays({ limit: 10 })).map((r) => r.id).sort(), ['r1', 'r3', 'r4']);
    }));

  it('records a step: its deliveries carry the replay, count in its progress, and are claimed with their creation time', () =>
    withClockedStore(openFresh, async (store) => {
      await eventsEachMinute(store, 3);
      await store.startReplay(replay('r1'));
      const started = await store.getReplay('r1');
      assert.equal(started?.state, 'running');
      assert.equal(started?.position, null);
      assert.equal(await store.recordReplayStep('r1', step(2, [delivery('x0', 'e0'), delivery('x1', 'e1'), delivery('x1b', 'e1', 'dead')])), true);
      const claimed = await claim(store, T0 + 20 * MINUTE, 10);
      assert.deepEqual(claimed.map((d) => [d.id, d.eventId, d.replayId, d.receivedAt]), [
        ['x0', 'e0', 'r1', T0 + 20 * MINUTE],
        ['x1', 'e1', 'r1', T0 + 20 * MINUTE],
      ]);
      await store.recordAttempt(attempt('x0', 1, DELIVERED));
      const view = await store.getReplay('r1');
      assert.deepEqual([view?.position, view?.matched, view?.created, view?.delivered, view?.dead, view?.waiting], [2, 2, 3, 1, 1, 1]);
      // A discarded delivery is finished: it no longer waits.
      await store.recordAttempt(attempt('x1', 1, retrying(T0 + 30 * MINUTE)));
      assert.equal(await store.act('discard', ['x1'], null, T0 + 21 * MINUTE), 1);
      assert.deepEqual([(await store.getReplay('r1'))?.waiting, (await store.getReplay('r1'))?.dead], [0, 1]);
      const live = await claim(store, T0 + 20 * MINUTE, 10, { connectors: new Set(['erp']) });
      assert.ok(live.every((d) => d.replayId === null), 'live deliveries carry no replay');
    }));

  it('refuses a step taken from a position the replay has moved past: two runners never both create it', () =>
    withClockedStore(openFresh, async (store) => {
      await eventsEachMinute(store, 3);
      await store.startReplay(replay('r1'));
      assert.equal(await store.recordReplayStep('r1', step(1, [delivery('a0', 'e0')], { from: null })), true);
      assert.equal(await store.recordReplayStep('r1', step(1, [delivery('b0', 'e0')], { from: null })), false, 'the other runner took the same step');
      assert.equal(await store.recordReplayStep('r1', step(2, [delivery('a1', 'e1')], { from: 1 })), true);
      const view = await store.getReplay('r1');
      assert.deepEqual([view?.position, view?.created], [2, 2]);
      assert.equal((await store.getEvent('e0'))?.deliveries.filter((d) => d.id === 'b0').length, 0, 'the refused step created nothing');
    }));

  it('ends a replay with its last step, and a cancelled one creates nothing more', () =>
    withStore(openFresh, async (store) => {
      await eventsEachMinute(store, 3);
      await store.startReplay(replay('r1'));
      await store.recordReplayStep('r1', step(3, [delivery('x0', 'e0')], { skippedByRetention: 2, done: true }));
      const done = await store.getReplay('r1');
      assert.deepEqual([done?.state, done?.finishedAt, done?.skippedByRetention], ['done', T0 + 20 * MINUTE, 2]);
      assert.equal(await store.recordReplayStep('r1', step(3, [delivery('x9', 'e2')])), false, 'a finished replay takes no step');

      await store.startReplay(replay('r2'));
      const cancelled = await store.cancelReplay('r2', T0 + 30 * MINUTE);
      assert.deepEqual([cancelled?.state, cancelled?.finishedAt], ['cancelled', T0 + 30 * MINUTE]);
      assert.equal(await store.recordReplayStep('r2', step(1, [delivery('y0', 'e0')])), false);
      assert.equal((await store.getEvent('e0'))?.deliveries.some((d) => d.id === 'y0'), false, 'nothing created after the cancel');
      assert.equal((await store.cancelReplay('r1', T0 + 40 * MINUTE))?.state, 'done', 'a finished replay stays as it ended');
      assert.equal(await store.cancelReplay('nope', T0), undefined);
    }));

  it('lists replays newest first, and by state', () =>
    withStore(openFresh, async (store) => {
      await store.startReplay(replay('old', { createdAt: T0 }));
      await store.startReplay(replay('new', { createdAt: T0 + 1, connector: 'erp', mode: 'backfill', eventTypes: ['order.*'], where: 'total > 5', perSecond: 2.5 }));
      await store.cancelReplay('old', T0 + 2);
      const [newest, oldest] = await store.listReplays({ limit: 10 });
      assert.deepEqual(
        { ...newest, createdAt: newest?.createdAt },
        { ...replay('new', { createdAt: T0 + 1, connector: 'erp', mode: 'backfill', eventTypes: ['order.*'], where: 'total > 5', perSecond: 2.5 }), state: 'running', position: null, matched: 0, skippedByRetention: 0, created: 0, finishedAt: null, delivered: 0, dead: 0, waiting: 0 },
      );
      assert.equal(oldest?.id, 'old');
      assert.deepEqual((await store.listReplays({ state: 'running', limit: 10 })).map((r) => r.id), ['new']);
      assert.deepEqual((await store.listReplays({ limit: 1 })).map((r) => r.id), ['new']);
    }));

  it('keeps an event that had no delivery once a replay gives it one, whatever retention says', () =>
    withClockedStore(openFresh, async (store) => {
      await store.acceptEvents([event('lonely', [], T0)]);
      await store.startReplay(replay('r1', { mode: 'backfill' }));
      await store.recordReplayStep('r1', step(1, [delivery('b0', 'lonely')]));
      const past = { deliveredBefore: T0 + 99 * MINUTE, deadBefore: T0 + 99 * MINUTE, eventsBefore: T0 + 99 * MINUTE, connectors: new Map() };
      await store.deleteExpired(past);
      assert.deepEqual((await store.getEvent('lonely'))?.deliveries.map((d) => d.id), ['b0'], 'the event waits for its delivery');
      await store.recordAttempt(attempt('b0', 1, died('TARGET_REJECTED', 400)));
      await store.deleteExpired(past);
      assert.equal(await store.getEvent('lonely'), undefined, 'and goes with it');
    }));
}

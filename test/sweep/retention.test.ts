/**
 * Retention over a real SQLite file with a fake clock: what goes after its window, what stays
 * whatever its age, connector overrides, events kept for --retain-events, and what is logged.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Engine } from '../../engine/engine.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { startTestEngine } from '../helpers/test-engine.js';

const DAY = 86_400_000;

/** A connector for events of type `<name>.*`, sent to /<type>, retried once an hour. */
function connector(name: string, extra = ''): string {
  return `name: ${name}\ntarget: { url: "\${env:RECEIVER_URL}" }\nroutes:\n  - on: "${name}.*"\n    path: /{type}\nretry: { schedule: [1h] }\n${extra}`;
}

/** `<connector>.ok` is delivered, `.bad` dies (400), `.busy` waits for a retry (503). */
const byOutcome = (request: { url: string }) => (request.url.endsWith('.ok') ? 200 : request.url.endsWith('.bad') ? 400 : 503);

async function stateOf(engine: Engine, eventId: string): Promise<string[] | undefined> {
  return (await engine.getEvent(eventId))?.deliveries.map((d) => d.state);
}

describe('retention', () => {
  const fixture = useEngineFixture(byOutcome);

  test('deletes each finished delivery after its window and every event after --retain-events, never unfinished ones', async () => {
    const files = {
      'sink.yaml': connector('sink'),
      'keep.yaml': connector('keep', 'retention: { delivered: 30d, dead: 90d }\n'),
      'gone.yaml': connector('gone'),
      'ordered.yaml': connector('ordered', 'orderingKey: \'"one"\'\n'),
    };
    const harness = (fixture.harness = await startTestEngine(files, { RECEIVER_URL: fixture.receiver.url }, { retention: { deadMs: 60 * DAY } }));
    const { engine, clock } = harness;
    const types = ['sink.ok', 'sink.bad', 'sink.busy', 'keep.ok', 'keep.bad', 'gone.busy', 'ordered.busy', 'nobody.cares'];
    for (const type of types) await engine.emit({ type, id: type });
    await engine.emit({ type: 'ordered.ok', id: 'ordered.ok' });
    for (const type of types.filter((t) => t !== 'nobody.cares')) await harness.settled(type);
    await rm(join(harness.dataDir, '..', 'connectors.d', 'gone.yaml'));
    await engine.reload();
    const all = [...types, 'ordered.ok'];
    const states = async () => Object.fromEntries(await Promise.all(all.map(async (id) => [id, await stateOf(engine, id)] as const)));
    const unfinished = { 'sink.busy': ['retrying'], 'gone.busy': ['parked'], 'ordered.busy': ['retrying'], 'ordered.ok': ['pending'] };
    assert.deepEqual(await states(), {
      ...unfinished,
      'sink.ok': ['delivered'],
      'sink.bad': ['dead'],
      'keep.ok': ['delivered'],
      'keep.bad': ['dead'],
      'nobody.cares': [],
    });

    clock.advance(8 * DAY);
    const week = await engine.retain();
    assert.deepEqual(week.deleted, { deliveries: 1, dead: 0, events: 0 });
    assert.equal(week.at, clock.now());
    assert.deepEqual(await states(), {
      ...unfinished,
      'sink.ok': [],
      'sink.bad': ['dead'],
      'keep.ok': ['delivered'],
      'keep.bad': ['dead'],
      'nobody.cares': [],
    }, 'sink.ok went after 7d; its event stays for --retain-events');

    clock.advance(23 * DAY); // day 31
    assert.deepEqual((await engine.retain()).deleted, { deliveries: 1, dead: 0, events: 3 });
    assert.deepEqual(await states(), {
      ...unfinished,
      'sink.ok': undefined,
      'sink.bad': ['dead'],
      'keep.ok': undefined,
      'keep.bad': ['dead'],
      'nobody.cares': undefined,
    }, 'keep.ok went after its own 30d, with its event; events past 30d without deliveries went');

    clock.advance(30 * DAY); // day 61
    assert.deepEqual((await engine.retain()).deleted, { deliveries: 1, dead: 1, events: 1 });
    assert.equal(await engine.getEvent('sink.bad'), undefined, '--retain-dead 60d');
    assert.deepEqual(await stateOf(engine, 'keep.bad'), ['dead'], 'keep keeps its dead ones 90d');

    clock.advance(30 * DAY); // day 91
    assert.deepEqual((await engine.retain()).deleted, { deliveries: 1, dead: 1, events: 1 });
    clock.advance(3650 * DAY);
    assert.deepEqual((await engine.retain()).deleted, { deliveries: 0, dead: 0, events: 0 });
    const left = await states();
    assert.deepEqual(Object.fromEntries(Object.entries(left).filter(([, value]) => value !== undefined)), unfinished, 'ten years on, unfinished work is all still there');
    assert.deepEqual((await engine.status()).deliveries, { pending: 1, inflight: 0, retrying: 2, parked: 1, delivered: 0, dead: 0, discarded: 0 });

    const said = harness.logs.lines().filter((line) => String(line.msg).startsWith('retention deleted')).map((line) => line.msg);
    assert.deepEqual(said, [
      'retention deleted 1 deliveries and 0 events',
      'retention deleted 1 deliveries and 3 events',
      "retention deleted 1 deliveries, 1 of them dead (per --retain-dead or the connector's retention.dead) and 1 events",
      "retention deleted 1 deliveries, 1 of them dead (per --retain-dead or the connector's retention.dead) and 1 events",
    ]);
  });

  test('GET /status shows the store: size, free space, oldest pending, retention settings and the last run', async () => {
    const harness = (fixture.harness = await startTestEngine({ 'sink.yaml': connector('sink') }, { RECEIVER_URL: fixture.receiver.url }));
    const { engine, clock } = harness;
    await engine.emit({ type: 'sink.busy', id: 'waiting' });
    await harness.settled('waiting');
    const acceptedAt = clock.now();
    clock.advance(60_000);
    await engine.retain();
    const { store } = await engine.status();
    assert.ok(store.sizeBytes > 0 && store.freeBytes !== null && store.freeBytes > 0);
    assert.equal(store.oldestPendingAt, acceptedAt);
    const { longestWriteMs, longestWriteCpuMs, ...last } = store.lastRetention ?? { longestWriteMs: -1, longestWriteCpuMs: -1 };
    assert.deepEqual(last, { at: clock.now(), deleted: { deliveries: 0, dead: 0, events: 0 }, ms: 0 });
    assert.ok(longestWriteMs >= 0 && longestWriteCpuMs >= 0);
    assert.equal(store.full, false);
    assert.ok(!harness.logs.text().includes('retention deleted'), 'a run that deletes nothing says nothing');
  });
});

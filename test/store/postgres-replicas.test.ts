/**
 * Replicas on one PostgreSQL schema (engine/store/postgres/replica-ops.ts): leases with owners,
 * renewed by heartbeats; a delivery taken over after its lease expired is not overwritten by the
 * late replica; per-key order through a take-over; a start that ends only the leases of replicas
 * that are gone; the live list; replays advanced by their runner alone and adopted once it is
 * gone; and maintenance one replica at a time (advisory locks).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualClock } from '../../engine/clock.js';
import { openPostgresStore } from '../../engine/store/postgres/postgres-store.js';
import type { ReplicaCoordination } from '../../engine/store/replicas.js';
import type { NewDelivery, Store } from '../../engine/store/store.js';
import { attempt, DELIVERED, event, isHmsError, pending, retrying, T0 } from './contract-helpers.js';
import { usePostgresDatabase } from './postgres-schemas.js';

const database = await usePostgresDatabase('pg_replicas');
const LEASE_MS = 30_000;
const CRM = new Set(['crm']);

type Clock = ReturnType<typeof manualClock>;

/** Stores on one fresh schema, one per replica id, sharing `clock`; closed after `body`. */
async function withReplicas(ids: readonly string[], body: (stores: Store[], clock: Clock, schema: string) => Promise<void>): Promise<void> {
  const schema = database.freshSchema();
  const clock = manualClock(T0);
  const stores: Store[] = [];
  for (const id of ids) stores.push(await openReplica(schema, clock, id));
  try {
    await body(stores, clock, schema);
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
}

function openReplica(schema: string, clock: Clock, id: string): Promise<Store> {
  return openPostgresStore({ url: database.url, schema, clock, replica: { id, hostname: `host-${id}`, version: '9.9.9', leaseMs: LEASE_MS } });
}

function replicas(store: Store): ReplicaCoordination {
  assert.ok(store.replicas, 'a PostgreSQL store coordinates replicas');
  return store.replicas;
}

const claim = (store: Store, now: number) => store.claimDue({ now, limit: 10, leaseMs: LEASE_MS, connectors: CRM });
const keyed = (id: string, key: string): NewDelivery => ({ ...pending(id), orderingKey: key });

describe('postgres store, replicas sharing one schema', () => {
  it('lets another replica claim a delivery only once its lease expired, and keeps the new holder\'s record over the late one\'s', async () => {
    await withReplicas(['a', 'b'], async ([a, b], clock) => {
      await a!.acceptEvents([event('e1', [pending('d1')])]);
      assert.deepEqual((await claim(a!, T0)).map((d) => d.id), ['d1']);
      assert.deepEqual(await claim(b!, T0 + LEASE_MS - 1), [], 'held under a lease');
      // a is cut off: it does not renew, and b takes the delivery over.
      clock.set(T0 + LEASE_MS);
      assert.deepEqual((await claim(b!, T0 + LEASE_MS)).map((d) => d.id), ['d1']);
      await b!.recordAttempt(attempt('d1', 1, retrying(T0 + 120_000)));
      // a's request finished late: its record and its requeue change nothing.
      await assert.rejects(a!.recordAttempt(attempt('d1', 1, DELIVERED)), isHmsError('LEASE_LOST'));
      await a!.requeue(['d1'], T0);
      const view = await b!.getEvent('e1');
      const d1 = view!.deliveries[0]!;
      assert.equal(d1.state, 'retrying');
      assert.equal(d1.attempts, 1);
      assert.equal(d1.nextAttemptAt, T0 + 120_000);
    });
  });

  it('renews the leases a replica holds with each heartbeat, and reports those another replica took over', async () => {
    await withReplicas(['a', 'b'], async ([a, b]) => {
      await a!.acceptEvents([event('e1', [pending('kept'), pending('taken')])]);
      await claim(a!, T0);
      // a renews only `kept` (it let `taken` go from memory); then its old lease on `taken` runs out.
      const beat = await replicas(a!).heartbeat({ now: T0 + 20_000, revision: 'r1', held: ['kept'] });
      assert.deepEqual(beat.lost, []);
      assert.deepEqual((await claim(b!, T0 + LEASE_MS)).map((d) => d.id), ['taken'], 'kept was renewed until T0 + 50 s');
      const next = await replicas(a!).heartbeat({ now: T0 + 40_000, revision: 'r1', held: ['kept', 'taken'] });
      assert.deepEqual(next.lost, ['taken']);
      assert.deepEqual(await claim(b!, T0 + 60_000 - 1), [], 'kept renewed again until T0 + 70 s');
    });
  });

  it('does not give out a key whose head another live replica holds, and continues the key in order after that lease expires', async () => {
    await withReplicas(['a', 'b'], async ([a, b]) => {
      await a!.acceptEvents([event('e1', [keyed('k-1', 'k')]), event('e2', [keyed('k-2', 'k')]), event('e3', [keyed('k-3', 'k')])]);
      assert.deepEqual((await claim(a!, T0)).map((d) => d.id), ['k-1']);
      assert.deepEqual(await claim(b!, T0 + 1_000), [], 'the head is leased by a; the rest of the key waits behind it');
      assert.deepEqual((await claim(b!, T0 + LEASE_MS)).map((d) => d.id), ['k-1'], 'after the lease, the head first');
      await b!.recordAttempt(attempt('k-1', 1, DELIVERED));
      assert.deepEqual((await claim(b!, T0 + LEASE_MS)).map((d) => d.id), ['k-2']);
    });
  });

  it('ends at start only the leases of replicas that are gone, never those of a live one', async () => {
    const schema = database.freshSchema();
    const clock = manualClock(T0);
    const live = await openReplica(schema, clock, 'live');
    const crashed = await openReplica(schema, clock, 'crashed');
    try {
      await live.acceptEvents([event('e1', [pending('of-live')])]);
      await crashed.acceptEvents([event('e2', [pending('of-crashed')])]);
      await claim(live, T0);
      await claim(crashed, T0);
      // `crashed` stops heartbeating (it is never closed: no clean leave); `live` goes on.
      clock.set(T0 + 20_000);
      await replicas(live).heartbeat({ now: clock.now(), revision: 'r1', held: ['of-live'] });
      clock.set(T0 + LEASE_MS + 1);
      const third = await openReplica(schema, clock, 'third');
      try {
        assert.deepEqual((await claim(third, clock.now())).map((d) => d.id), ['of-crashed']);
        assert.deepEqual((await replicas(third).live(clock.now())).map((r) => r.id).sort(), ['live', 'third']);
      } finally {
        await third.close();
      }
    } finally {
      await live.close();
      await crashed.close();
    }
  });

  it('ends the leases of a replica that closes, so a live replica claims them at once, and keeps the leases of the others', async () => {
    const schema = database.freshSchema();
    const clock = manualClock(T0);
    const leaving = await openReplica(schema, clock, 'leaving');
    const staying = await openReplica(schema, clock, 'staying');
    try {
      await leaving.acceptEvents([event('e1', [pending('of-leaving')])]);
      assert.deepEqual((await claim(leaving, T0)).map((d) => d.id), ['of-leaving']);
      await staying.acceptEvents([event('e2', [pending('of-staying')])]);
      assert.deepEqual((await claim(staying, T0)).map((d) => d.id), ['of-staying']);
      await leaving.close();
      clock.set(T0 + 1_000);
      // Within both leases: only the one that ended is claimable, by the replica still running.
      assert.deepEqual((await claim(staying, T0 + 1_000)).map((d) => d.id), ['of-leaving']);
      assert.deepEqual(await claim(staying, T0 + 2_000), []);
    } finally {
      await leaving.close();
      await staying.close();
    }
  });

  it('lists the live replicas with their revisions and held counts, and forgets one that closed', async () => {
    await withReplicas(['a', 'b'], async ([a, b]) => {
      await replicas(a!).heartbeat({ now: T0 + 1, revision: 'r1', held: [] });
      const beat = await replicas(b!).heartbeat({ now: T0 + 2, revision: 'r2', held: ['x', 'y'] });
      assert.deepEqual(beat.live.map(({ id, hostname, version, revision, heldDeliveries }) => ({ id, hostname, version, revision, heldDeliveries })), [
        { id: 'a', hostname: 'host-a', version: '9.9.9', revision: 'r1', heldDeliveries: 0 },
        { id: 'b', hostname: 'host-b', version: '9.9.9', revision: 'r2', heldDeliveries: 2 },
      ]);
      await a!.close();
      assert.deepEqual((await replicas(b!).live(T0 + 3)).map((r) => r.id), ['b']);
    });
  });

  it('runs a kind of maintenance on one replica at a time: the other skips while it runs', async () => {
    await withReplicas(['a', 'b'], async ([a, b]) => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let running = 0;
      let most = 0;
      const work = async () => {
        running += 1;
        most = Math.max(most, running);
        await held;
        running -= 1;
        return 'done';
      };
      const first = replicas(a!).exclusive('retention', work);
      // Wait until a holds the lock (its work has begun), then b tries.
      while (running === 0) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(await replicas(b!).exclusive('retention', work), { ran: false });
      assert.deepEqual(await replicas(b!).exclusive('redrive', async () => 'other kind'), { ran: true, value: 'other kind' });
      release();
      assert.deepEqual(await first, { ran: true, value: 'done' });
      assert.equal(most, 1);
      assert.deepEqual(await replicas(b!).exclusive('retention', async () => 'after'), { ran: true, value: 'after' });
    });
  });

  it('lets only a replay\'s runner record its steps; a live replica adopts it once its runner is gone or left, and the old runner\'s late step creates nothing', async () => {
    await withReplicas(['a', 'b', 'c'], async ([a, b, c]) => {
      const replay = { id: 'r1', connector: 'crm', mode: 'redeliver' as const, since: T0 - 60_000, until: T0, retainedSince: T0 - 120_000, eventTypes: null, where: null, perSecond: 5, createdAt: T0, createdBy: 'ops', declared: false };
      const step = (from: number | null, position: number) => ({ deliveries: [], position, from, matched: 0, skippedByRetention: 0, done: false, now: T0 });
      assert.equal(await a!.startReplay(replay), true);
      assert.deepEqual(await replicas(b!).adoptReplays(T0 + 1, []), [], 'its runner a is live');
      assert.equal(await b!.recordReplayStep('r1', step(null, 1)), false, 'b is not its runner');
      assert.equal(await a!.recordReplayStep('r1', step(null, 1)), true);
      // a stops heartbeating; b and c do. Past a's lease one of them adopts the replay, once.
      for (const live of [b!, c!]) await replicas(live).heartbeat({ now: T0 + LEASE_MS, revision: 'r', held: [] });
      assert.deepEqual(await replicas(b!).adoptReplays(T0 + LEASE_MS, ['crm']), [], 'b runs a replay of crm already');
      const adopted = await Promise.all([replicas(b!).adoptReplays(T0 + LEASE_MS, []), replicas(c!).adoptReplays(T0 + LEASE_MS, [])]);
      assert.deepEqual(adopted.flat(), [{ id: 'r1', previous: 'a' }]);
      const [runner, other] = adopted[0]!.length === 1 ? [b!, c!] : [c!, b!];
      assert.equal(await a!.recordReplayStep('r1', step(1, 2)), false, 'a\'s late step, after the take-over');
      assert.equal(await other.recordReplayStep('r1', step(1, 2)), false);
      assert.equal(await runner.recordReplayStep('r1', step(1, 2)), true);
      assert.equal((await runner.getReplay('r1'))?.position, 2);
      // The runner leaves cleanly: the other adopts the replay at once, at its position.
      await runner.close();
      assert.deepEqual(await replicas(other).adoptReplays(T0 + LEASE_MS + 1, []), [{ id: 'r1', previous: null }]);
      assert.equal(await other.recordReplayStep('r1', step(2, 3)), true);
    });
  });

  it('wakes every listening replica when one resumes or pauses a connector or retries a delivery, and listens again after losing its connection', async () => {
    await withReplicas(['a', 'b'], async ([a, b]) => {
      const heard: string[] = [];
      const next = (kind: string) => waitFor(() => heard.includes(kind), `a "${kind}" wake-up`).then(() => heard.splice(0));
      const stop = await replicas(a!).listen((kind) => heard.push(kind));
      try {
        await b!.setPaused('crm', { by: 'ops', since: T0 });
        await next('connectors');
        await b!.acceptEvents([event('e1', [pending('d1')])]);
        await claim(b!, T0);
        await b!.recordAttempt(attempt('d1', 1, { status: 400, error: 'TARGET_REJECTED: 400', errorCode: 'TARGET_REJECTED', nextState: 'dead', nextAttemptAt: null }));
        assert.equal(await b!.act('retry', ['d1'], null, T0 + 1), 1);
        await next('due');
        await database.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hms-sync listener'");
        // After listening again it wakes once with every kind: what was notified meanwhile is unknown.
        await next('due');
        await b!.setPaused('crm', null);
        await next('connectors');
      } finally {
        await stop();
      }
    });
  });
});

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  assert.ok(check(), `timed out waiting for ${what}`);
}

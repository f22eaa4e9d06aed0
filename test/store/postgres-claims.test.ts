/**
 * What the PostgreSQL store does beyond the contract: two stores on one schema (two pools, as two
 * replicas would be) claiming at once, opening at once, a schema newer than the code, the server
 * going away and coming back, and the URL's password kept out of errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { manualClock } from '../../engine/clock.js';
import { HmsError } from '../../engine/errors.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../engine/store/postgres/migrations.js';
import { openPostgresStore } from '../../engine/store/postgres/postgres-store.js';
import type { ClaimedDelivery, NewDelivery, Store } from '../../engine/store/store.js';
import { freePort } from '../../bench/free-port.js';
import { startPostgres, type PostgresServer } from '../helpers/servers/postgres-server.js';
import { attempt, DELIVERED, event, isHmsError, pending, T0 } from './contract-helpers.js';
import { usePostgresDatabase } from './postgres-schemas.js';

const database = await usePostgresDatabase('pg_claims');
const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4'];
const PASSWORD = 's3cret-pw';

function keyed(id: string, orderingKey: string | null): NewDelivery {
  return { ...pending(id), orderingKey };
}

/** Every delivery the two stores claim in rounds (each delivered by its claimer before the next
 * round), by round. */
async function claimInRounds(stores: readonly Store[]): Promise<ClaimedDelivery[][]> {
  const rounds: ClaimedDelivery[][] = [];
  for (;;) {
    const byStore = await Promise.all(stores.map((store) => store.claimDue({ now: T0, limit: 7, leaseMs: 60_000, connectors: new Set(['crm']) })));
    const claimed = byStore.flat();
    if (claimed.length === 0) return rounds;
    rounds.push(claimed);
    await Promise.all(byStore.flatMap((mine, i) => mine.map((d) => stores[i]!.recordAttempt(attempt(d.id, 1, DELIVERED)))));
  }
}

describe('postgres store, two stores on one schema', () => {
  it('never hands one delivery to both, and gives each ordering key out one delivery at a time in acceptance order', async () => {
    const schema = database.freshSchema();
    const [a, b] = await Promise.all([database.open({ schema }), database.open({ schema })]);
    try {
      const events = Array.from({ length: 60 }, (_, i) => event(`e${i}`, [keyed(`d${i}`, i % 3 === 0 ? null : KEYS[i % KEYS.length]!)]));
      // Accepted through both stores, interleaved, as two replicas taking ingest would.
      for (let i = 0; i < events.length; i += 2) await Promise.all([a.acceptEvents([events[i]!]), b.acceptEvents([events[i + 1]!])]);
      const rounds = await claimInRounds([a, b]);
      const all = rounds.flat().map((d) => d.id);
      assert.equal(all.length, 60, 'every delivery claimed');
      assert.equal(new Set(all).size, 60, 'no delivery claimed twice');
      for (const round of rounds) {
        const keys = round.map((d) => d.orderingKey).filter((key) => key !== null);
        assert.equal(new Set(keys).size, keys.length, `one delivery per key at a time: ${round.map((d) => d.id).join(' ')}`);
      }
      for (const key of KEYS) {
        const order = rounds.flat().filter((d) => d.orderingKey === key).map((d) => Number(d.id.slice(1)));
        assert.deepEqual(order, [...order].sort((x, y) => x - y), `key ${key} in acceptance order`);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("gives a key's run to one of two stores claiming it at once, and the other nothing of the key", async () => {
    const schema = database.freshSchema();
    const [a, b] = await Promise.all([database.open({ schema }), database.open({ schema })]);
    try {
      await a.acceptEvents(Array.from({ length: 10 }, (_, i) => event(`e${i}`, [keyed(`d${i}`, 'K')])));
      const runs = (stores: readonly Store[]) => Promise.all(stores.map((store) => store.claimKeyRuns({ now: T0, leaseMs: 60_000, keys: [{ connector: 'crm', orderingKey: 'K' }], perKey: 4 })));
      for (const [round, stores] of [[a, b], [b, a]].entries()) {
        const results = await runs(stores);
        assert.equal(results.filter((run) => run.length > 0).length, 1, `one store only: ${JSON.stringify(results.map((run) => run.map((d) => d.id)))}`);
        const winner = results.findIndex((run) => run.length > 0);
        assert.deepEqual(results[winner]!.map((d) => d.id), [0, 1, 2, 3].map((n) => `d${round * 4 + n}`), 'the key from its oldest, in order');
        for (const delivery of results[winner]!) await stores[winner]!.recordAttempt(attempt(delivery.id, 1, DELIVERED));
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('migrates once when two open at the same time', async () => {
    const schema = database.freshSchema();
    const stores = await Promise.all([database.open({ schema }), database.open({ schema })]);
    await Promise.all(stores.map((store) => store.close()));
    const versions = await database.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version', [], schema);
    assert.deepEqual(versions.map((row) => row.version), MIGRATIONS.map((migration) => migration.version));
  });

  it('refuses a schema written by newer code with STORE_SCHEMA_TOO_NEW and changes nothing', async () => {
    const schema = database.freshSchema();
    await (await database.open({ schema })).close();
    await database.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [LATEST_SCHEMA_VERSION + 1, 'from the future', T0], schema);
    await assert.rejects(database.open({ schema }), (error: unknown) => isHmsError('STORE_SCHEMA_TOO_NEW')(error) && (error as Error).message.includes(schema));
    const versions = await database.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version', [], schema);
    assert.equal(versions.at(-1)?.version, LATEST_SCHEMA_VERSION + 1);
  });

  it('ends the leases of a run that closed, so they are claimed at once', async () => {
    const schema = database.freshSchema();
    const first = await database.open({ schema });
    await first.acceptEvents([event('e1', [{ ...pending('held'), state: 'inflight', nextAttemptAt: T0 + 300_000 }, pending('later', 'crm', T0 + 300_000)])]);
    await first.recordAttempt(attempt('later', 1, { status: 503, error: 'TARGET_UNAVAILABLE: 503', errorCode: 'TARGET_UNAVAILABLE', nextState: 'retrying', nextAttemptAt: T0 + 300_000 }));
    await first.close();
    const second = await database.open({ schema });
    try {
      const claimed = await second.claimDue({ now: T0, limit: 10, leaseMs: 1_000, connectors: new Set(['crm']) });
      assert.deepEqual(claimed.map((d) => d.id), ['held'], 'the lease ended; the retry keeps its backoff');
    } finally {
      await second.close();
    }
  });
});

describe('postgres store, group commit', () => {
  it('resolves each caller of concurrent writes only once its write is visible to other connections', async () => {
    const schema = database.freshSchema();
    const store = await database.open({ schema });
    const observer = new pg.Client({ connectionString: database.url, options: `-c search_path=${schema}` });
    await observer.connect();
    try {
      const seen: boolean[] = [];
      await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          await store.acceptEvents([event(`e${i}`, [pending(`d${i}`)])]);
          const { rows } = await observer.query('SELECT 1 FROM deliveries WHERE id = $1', [`d${i}`]);
          seen.push(rows.length === 1);
        }),
      );
      assert.deepEqual(seen, Array.from({ length: 40 }, () => true), 'committed before its caller heard');
    } finally {
      await observer.end();
      await store.close();
    }
  });
});

describe('postgres store, the server going away', () => {
  // A server of its own: halting the shared one would fail the other test files.
  let server: PostgresServer;
  before(async () => (server = await startPostgres()));
  after(() => server.stop());

  it('rejects writes with STORE_UNAVAILABLE while the server is down, says so in health(), and writes again once it is back, without reopening', async () => {
    const db = await server.createDatabase('pg_down');
    const url = new URL(db.url);
    url.password = PASSWORD;
    const clock = manualClock(T0);
    const store = await openPostgresStore({ url: url.href, clock });
    try {
      await store.acceptEvents([event('e1', [pending('d1')])]);
      await server.halt();
      clock.advance(1_000);
      const down = await store.acceptEvents([event('e2', [pending('d2')])]).then(() => undefined, (error: unknown) => error);
      assert.ok(isHmsError('STORE_UNAVAILABLE')(down), `got ${String(down)}`);
      assert.equal((down as HmsError).retryable, true);
      assert.ok(!(down as Error).message.includes(PASSWORD));
      await assert.rejects(store.claimDue({ now: T0, limit: 10, leaseMs: 1_000, connectors: new Set(['crm']) }), isHmsError('STORE_UNAVAILABLE'));
      const health = store.health();
      assert.equal(health.writable, false);
      assert.equal(health.lastFailure?.at, T0 + 1_000);
      assert.match(health.lastFailure?.message ?? '', /PostgreSQL cannot be used now/);

      await server.resume();
      assert.deepEqual(await store.acceptEvents([event('e2', [pending('d2')])]), [{ id: 'e2', duplicate: false, deliveries: 1 }]);
      assert.equal(store.health().writable, true);
      assert.equal(store.health().lastFailure?.at, T0 + 1_000, 'the past outage stays visible');
      const claimed = await store.claimDue({ now: T0, limit: 10, leaseMs: 1_000, connectors: new Set(['crm']) });
      assert.deepEqual(claimed.map((d) => d.id), ['d1', 'd2'], 'nothing acknowledged was lost; nothing of the failed write was stored twice');
    } finally {
      await server.resume();
      await store.close();
      await db.drop();
    }
  });
});

describe('postgres store, the password of its URL', () => {
  it('is masked in the error of a store that cannot open', async () => {
    const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${await freePort()}/nowhere`;
    const error = await openPostgresStore({ url, clock: manualClock(T0) }).then(() => undefined, (e: unknown) => e);
    assert.ok(isHmsError('STORE_OPEN_FAILED')(error), `got ${String(error)}`);
    const text = `${(error as Error).message}\n${(error as Error).stack}\n${String((error as Error).cause)}`;
    assert.ok(text.includes('postgres:***@127.0.0.1'), text);
    assert.ok(!text.includes(PASSWORD), text);
  });

  it('is masked in the error of a closed store', async () => {
    const url = new URL(database.url);
    url.password = PASSWORD;
    const store = await openPostgresStore({ url: url.href, schema: database.freshSchema(), clock: manualClock(T0) });
    await store.close();
    const error = await store.acceptEvents([event('e1', [])]).then(() => undefined, (e: unknown) => e);
    assert.ok(isHmsError('ENGINE_CLOSED')(error));
    assert.ok((error as Error).message.includes(':***@') && !(error as Error).message.includes(PASSWORD), (error as Error).message);
  });
});

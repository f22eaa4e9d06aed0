import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import pg from 'pg';
import { startReceiver, type Receiver } from '../../helpers/receiver.js';
import { startPostgres } from '../../helpers/servers/postgres-server.js';
import { borrowPostgresDatabase, type Borrowed } from '../../helpers/servers/shared-servers.js';
import { startSourceEngine, type SourceEngine } from '../../helpers/source-engine.js';

const connector = [
  'name: sink',
  'target: { url: "${env:RECEIVER_URL}" }',
  'routes:',
  '  - on: permit.*',
  '    map: \'{ "id": id, "kind": type, "permit": permitId }\'',
  '',
].join('\n');

const source = (table: string, extra: string[] = []) => [
  'name: permits-outbox',
  'type: postgres-outbox',
  'postgres-outbox:',
  '  url: ${env:DATABASE_URL}',
  `  table: ${table}`,
  ...(extra.some((line) => line.includes('pollInterval')) ? [] : ['  pollInterval: 50ms']),
  ...extra,
  '',
].join('\n');

const CREATE = (table: string) => `CREATE TABLE ${table} (
  id bigserial PRIMARY KEY, type text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz, error text)`;

describe('a PostgreSQL outbox source', () => {
  let database: Borrowed;
  let db: pg.Pool;
  let receiver: Receiver;
  const harnesses: SourceEngine[] = [];
  let tables = 0;

  before(async () => {
    [database, receiver] = await Promise.all([borrowPostgresDatabase('outbox'), startReceiver()]);
    db = new pg.Pool({ connectionString: database.url, max: 4 });
  });
  after(async () => {
    await db.end();
    await receiver.close();
    await database.close();
  });
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((harness) => harness.close()));
    receiver.requests.length = 0;
  });

  const table = async (pool = db) => {
    const name = `outbox_${++tables}`;
    await pool.query(CREATE(name));
    return name;
  };
  const start = async (name: string, extra: string[] = [], url = database.url) => {
    const harness = await startSourceEngine({ 'sink.yaml': connector }, { 'outbox.yaml': source(name, extra) }, { RECEIVER_URL: receiver.url, DATABASE_URL: url });
    harnesses.push(harness);
    return harness;
  };
  const insert = (name: string, from: number, count: number, client: pg.Pool | pg.PoolClient = db) =>
    client.query(`INSERT INTO ${name} (type, payload) SELECT 'permit.approved', jsonb_build_object('permitId', 'p-' || n) FROM generate_series($1::int, $2::int) AS n`, [from, from + count - 1]);
  const permits = () => receiver.requests.map((request) => (JSON.parse(request.body) as { permit: string }).permit);

  test('10,000 committed rows reach the receiver, each once, with the mapped body, and leave the outbox', async () => {
    const name = await table();
    await insert(name, 0, 10_000);
    const harness = await start(name);
    await receiver.waitFor(10_000, 120_000);
    assert.equal(new Set(permits()).size, 10_000);
    assert.equal(permits().length, 10_000);
    const first = JSON.parse(receiver.requests[0]!.body) as Record<string, unknown>;
    assert.deepEqual(first, { id: `outbox:${name}:1`, kind: 'permit.approved', permit: 'p-0' });
    await harness.sourceStatus('permits-outbox', (s) => s.acceptedTotal === 10_000 && s.inFlight === 0, 'all accepted');
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`);
    assert.equal(rows[0]!.n, '0', 'onConsume: delete removes each row once its event is stored');
  });

  test('rows of a rolled-back transaction are never delivered; rows committed out of id order all are', async () => {
    const name = await table();
    await start(name);
    const early = await db.connect();
    const rolledBack = await db.connect();
    try {
      await early.query('BEGIN');
      await insert(name, 1, 1, early); // takes id 1, commits last
      await rolledBack.query('BEGIN');
      await insert(name, 2, 1, rolledBack); // id 2, rolled back
      await insert(name, 3, 1); // id 3, committed at once
      await receiver.waitFor(1);
      await rolledBack.query('ROLLBACK');
      await early.query('COMMIT');
      await insert(name, 4, 1);
      await receiver.waitFor(3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(permits(), ['p-3', 'p-1', 'p-4']);
    } finally {
      early.release();
      rolledBack.release();
    }
  });

  test('two engines on one outbox share its rows without delivering one twice', async () => {
    const name = await table();
    const [first, second] = await Promise.all([start(name), start(name)]);
    await insert(name, 0, 3000);
    await receiver.waitFor(3000, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(permits().length, 3000);
    assert.equal(new Set(permits()).size, 3000);
    const [a, b] = await Promise.all([first, second].map((harness) => harness.sourceStatus('permits-outbox', (s) => s.inFlight === 0, 'idle')));
    assert.equal(a!.acceptedTotal + b!.acceptedTotal, 3000);
    assert.ok(a!.acceptedTotal > 0 && b!.acceptedTotal > 0, `both took rows (${a!.acceptedTotal} and ${b!.acceptedTotal})`);
  });

  test('with onConsume: mark, a poison row is marked with its reason and the rows after it go on', async () => {
    const name = await table();
    const harness = await start(name, ['  onConsume: mark']);
    await insert(name, 1, 1);
    await db.query(`INSERT INTO ${name} (type, payload) VALUES ('', '{"permitId": "p-2"}'), ('permit.approved', '[1, 2]')`);
    await insert(name, 3, 1);
    await receiver.waitFor(2);
    const status = await harness.sourceStatus('permits-outbox', (s) => s.rejectedTotal === 2 && s.acceptedTotal === 2, 'two rejected');
    assert.deepEqual(status.rejections.map((r) => [r.reason, r.position]), [['no-type', `table ${name} row 2`], ['not-an-object', `table ${name} row 3`]]);
    const { rows } = await db.query<{ id: string; processed: boolean; error: string | null }>(`SELECT id, processed_at IS NOT NULL AS processed, error FROM ${name} ORDER BY id`);
    assert.deepEqual(rows.map((row) => [row.id, row.processed]), [['1', true], ['2', true], ['3', true], ['4', true]]);
    assert.match(rows[1]!.error ?? '', /^SOURCE_MESSAGE_REJECTED \(no-type\): body\.type gives nothing/);
    assert.equal(rows[0]!.error, null);
    assert.deepEqual(permits(), ['p-1', 'p-3']);
  });

  test('a NOTIFY wakes the source at once instead of at its next poll', async () => {
    const name = await table();
    await start(name, ['  notify: outbox_events', '  pollInterval: 1h']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await insert(name, 1, 1);
    await db.query('NOTIFY outbox_events');
    await receiver.waitFor(1, 5_000);
    assert.deepEqual(permits(), ['p-1']);
  });

  test('the source reconnects by itself after PostgreSQL restarts mid-stream, and nothing is lost', async () => {
    // A server of its own: the shared one must not restart under other test files.
    const own = await startPostgres();
    const ownDatabase = await own.createDatabase('restart');
    const pool = new pg.Pool({ connectionString: ownDatabase.url });
    // The restart ends its idle connections; the pool replaces them.
    pool.on('error', () => undefined);
    try {
      const name = await table(pool);
      await insert(name, 0, 2000, pool);
      const harness = await start(name, [], ownDatabase.url);
      await receiver.waitFor(200, 30_000);
      await own.restart();
      await insert(name, 2000, 1000, pool);
      await receiver.waitFor(3000, 60_000);
      await harness.sourceStatus('permits-outbox', (s) => s.connected && s.inFlight === 0, 'connected again');
      assert.equal(new Set(permits()).size, 3000);
      assert.equal(permits().length, 3000, 'rows taken again after the restart were duplicates: no second delivery');
      assert.match((await harness.engine.status()).sources[0]!.lastError?.message ?? '', /SOURCE_UNAVAILABLE/);
    } finally {
      await Promise.all(harnesses.splice(0).map((harness) => harness.close()));
      await pool.end();
      await own.stop();
    }
  });
});

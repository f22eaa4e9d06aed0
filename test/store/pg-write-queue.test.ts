/**
 * The PostgreSQL group-commit queue (engine/store/postgres/write-queue.ts) on a real server:
 * operations of one turn share one transaction, each caller hears only after its COMMIT, a failing
 * operation is undone alone, call order holds, and a flush PostgreSQL aborts as a deadlock victim
 * is run again.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createStorePool } from '../../engine/store/postgres/connection.js';
import { createPgWriteQueue, FLUSH_ATTEMPTS } from '../../engine/store/postgres/write-queue.js';
import { usePostgresDatabase } from './postgres-schemas.js';

const database = await usePostgresDatabase('pg_queue');
const schema = database.freshSchema();
await database.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.items (n INTEGER PRIMARY KEY)`);
const pool = createStorePool(database.url, schema, () => undefined);
after(() => pool.end());

describe('postgres write queue', () => {
  it('runs the operations of one turn in one transaction, and resolves each only after that COMMIT', async () => {
    let commits = 0;
    const queue = createPgWriteQueue(pool, (error) => error, () => commits++);
    const commitsWhenResolved = await Promise.all(
      Array.from({ length: 30 }, (_, i) => queue.enqueue((client) => client.query('INSERT INTO items (n) VALUES ($1)', [i]).then(() => i)).then(() => commits)),
    );
    assert.equal(commits, 1, 'one commit for the 30 writes');
    assert.deepEqual(new Set(commitsWhenResolved), new Set([1]), 'no caller heard before the commit');
    assert.equal((await database.query<{ n: number }>('SELECT count(*)::int AS n FROM items', [], schema))[0]!.n, 30);
  });

  it('undoes a failing operation alone and rejects it with its own error; the others commit in call order', async () => {
    const queue = createPgWriteQueue(pool, (error) => error, () => undefined);
    const order: number[] = [];
    const insert = (n: number) => queue.enqueue(async (client) => {
      await client.query('INSERT INTO items (n) VALUES ($1)', [n]);
      order.push(n);
    });
    const outcomes = await Promise.allSettled([insert(100), insert(0), insert(101), insert(102)]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /duplicate key/);
    assert.deepEqual(order, [100, 101, 102]);
    const rows = await database.query<{ n: number }>('SELECT n FROM items WHERE n >= 100 ORDER BY n', [], schema);
    assert.deepEqual(rows.map((r) => r.n), [100, 101, 102]);
  });

  it('runs a flush again when PostgreSQL aborts it as a deadlock victim, writing each operation once', async () => {
    let commits = 0;
    const queue = createPgWriteQueue(pool, (error) => error, () => commits++);
    let runs = 0;
    const deadlockOnce = queue.enqueue(async (client) => {
      runs += 1;
      if (runs === 1) await client.query(`DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$`);
      await client.query('INSERT INTO items (n) VALUES (201)');
    });
    const outcomes = await Promise.allSettled([queue.enqueue((c) => c.query('INSERT INTO items (n) VALUES (200)')), deadlockOnce, queue.enqueue((c) => c.query('INSERT INTO items (n) VALUES (202)'))]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'fulfilled']);
    assert.equal(runs, 2);
    assert.equal(commits, 1, 'the aborted run committed nothing');
    const rows = await database.query<{ n: number }>('SELECT n FROM items WHERE n BETWEEN 200 AND 202 ORDER BY n', [], schema);
    assert.deepEqual(rows.map((r) => r.n), [200, 201, 202]);
  });

  it('rejects the callers of a flush that keeps failing as a serialization failure, after a bounded number of runs', async () => {
    const queue = createPgWriteQueue(pool, (error) => error, () => undefined);
    let runs = 0;
    const always = queue.enqueue(async (client) => {
      runs += 1;
      await client.query(`DO $$ BEGIN RAISE EXCEPTION 'could not serialize' USING ERRCODE = '40001'; END $$`);
    });
    await assert.rejects(always, (error: { code?: string }) => error.code === '40001');
    assert.equal(runs, FLUSH_ATTEMPTS);
  });
});

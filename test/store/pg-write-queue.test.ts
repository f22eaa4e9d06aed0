/**
 * The PostgreSQL group-commit queue (engine/store/postgres/write-queue.ts) on a real server:
 * operations of one turn share one transaction, each caller hears only after its COMMIT, a failing
 * operation is undone alone, and call order holds.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createStorePool } from '../../engine/store/postgres/connection.js';
import { createPgWriteQueue } from '../../engine/store/postgres/write-queue.js';
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
});

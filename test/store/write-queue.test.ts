import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SQL } from '../../engine/store/sqlite/sql.js';
import { createWriteQueue, type ItemKind } from '../../engine/store/sqlite/write-queue.js';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A fresh database with a table `t(x UNIQUE)` and the queue's transaction statements. */
function setup() {
  // A file, not :memory:, so PRAGMA synchronous means something.
  const dir = mkdtempSync(join(tmpdir(), 'hms-sync-wq-'));
  dirs.push(dir);
  const db = new Database(join(dir, 'q.db'));
  db.exec('CREATE TABLE t (x INTEGER UNIQUE)');
  const control = {
    begin: db.prepare<[]>(SQL.begin),
    commit: db.prepare<[]>(SQL.commit),
    rollback: db.prepare<[]>(SQL.rollback),
    savepoint: db.prepare<[]>(SQL.savepoint),
    release: db.prepare<[]>(SQL.release),
    rollbackToSavepoint: db.prepare<[]>(SQL.rollbackToSavepoint),
    syncFull: { run: () => db.exec(SQL.syncFull) },
    syncNormal: { run: () => db.exec(SQL.syncNormal) },
  };
  let commits = 0;
  const countingCommit = { run: () => (commits++, control.commit.run()) };
  const insert = db.prepare<[number]>('INSERT INTO t (x) VALUES (?)');
  const rows = () => db.prepare<[], number>('SELECT x FROM t ORDER BY rowid').pluck().all();
  return { db, control: { ...control, commit: countingCommit }, commits: () => commits, insert, rows };
}

describe('write queue (group commit)', () => {
  it('commits every operation of one event-loop turn in one transaction, in call order', async () => {
    const { db, control, commits, insert, rows } = setup();
    const queue = createWriteQueue(control);
    const results = await Promise.all([1, 2, 3].map((x) => queue.enqueue(() => (insert.run(x), x * 10))));
    assert.deepEqual(results, [10, 20, 30]);
    assert.deepEqual(rows(), [1, 2, 3]);
    assert.equal(commits(), 1);
    await queue.enqueue(() => insert.run(4));
    assert.equal(commits(), 2);
    db.close();
  });

  it('rolls back and rejects a failing operation alone, keeping the others of its flush', async () => {
    const { db, control, insert, rows } = setup();
    const queue = createWriteQueue(control);
    const outcomes = await Promise.allSettled([
      queue.enqueue(() => insert.run(1)),
      queue.enqueue(() => {
        insert.run(2);
        insert.run(1); // violates UNIQUE: this operation's insert of 2 is undone too
      }),
      queue.enqueue(() => insert.run(3)),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(rows(), [1, 3]);
    db.close();
  });

  it('rejects every operation of a flush when the commit fails, and keeps none of them', async () => {
    const { db, control, insert, rows } = setup();
    const failingCommit = {
      run: (): never => {
        throw new Error('disk I/O error');
      },
    };
    const queue = createWriteQueue({ ...control, commit: failingCommit });
    const outcomes = await Promise.allSettled([queue.enqueue(() => insert.run(1)), queue.enqueue(() => insert.run(2))]);
    const messages = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.status));
    assert.deepEqual(messages, ['disk I/O error', 'disk I/O error']);
    assert.equal(db.inTransaction, false);
    assert.deepEqual(rows(), []);
    db.close();
  });

  it('rejects every operation of a flush when SQLite aborts the whole transaction', async () => {
    const { db, control, insert, rows } = setup();
    const queue = createWriteQueue(control);
    const aborted = new Error('SQLITE_FULL');
    const outcomes = await Promise.allSettled([
      queue.enqueue(() => insert.run(1)),
      queue.enqueue(() => {
        db.prepare('ROLLBACK').run(); // what SQLite does on its own after a full disk or I/O error
        throw aborted;
      }),
      queue.enqueue(() => insert.run(3)),
    ]);
    assert.deepEqual(outcomes.map((o) => (o.status === 'rejected' ? o.reason : o.status)), [aborted, aborted, aborted]);
    assert.deepEqual(rows(), []);
    db.close();
  });

  it('passes every error through its failure mapper before a caller sees it, operations and items alike', async () => {
    const { db, control, insert } = setup();
    const queue = createWriteQueue(control, (error) => new Error(`mapped: ${(error as Error).message}`));
    const kind: ItemKind<number, void> = { durability: 'durable', run: (items) => items.map((x) => ({ ok: false as const, error: new Error(`item ${x}`) })) };
    const outcomes = await Promise.allSettled([
      queue.enqueue(() => insert.run(1)),
      queue.enqueue(() => insert.run(1)),
      queue.enqueueItem(kind, 5),
    ]);
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.status)),
      ['fulfilled', 'mapped: UNIQUE constraint failed: t.x', 'mapped: item 5'],
    );
    db.close();
  });

  it('runs queued operations synchronously on flushNow', async () => {
    const { db, control, insert, rows } = setup();
    const queue = createWriteQueue(control);
    const done = queue.enqueue(() => insert.run(7));
    assert.deepEqual(rows(), []);
    queue.flushNow();
    assert.deepEqual(rows(), [7]);
    await done;
    db.close();
  });

  it('commits with synchronous=FULL when any operation of the flush is durable, NORMAL otherwise', async () => {
    const { db, control, insert } = setup();
    const queue = createWriteQueue(control);
    const level = () => db.pragma('synchronous', { simple: true }) as number;
    const FULL = 2;
    const NORMAL = 1;
    assert.equal(await queue.enqueue(() => (insert.run(1), level()), 'relaxed'), NORMAL);
    const [relaxed, durable] = await Promise.all([queue.enqueue(() => level(), 'relaxed'), queue.enqueue(() => (insert.run(2), level()))]);
    assert.equal(relaxed, FULL, 'a relaxed operation flushed with a durable one gets its fsync too');
    assert.equal(durable, FULL);
    assert.equal(await queue.enqueue(() => level(), 'relaxed'), NORMAL);
    db.close();
  });

  it('gathers items of one kind queued back to back into one operation, each with its own outcome', async () => {
    const { db, control, insert, rows } = setup();
    const queue = createWriteQueue(control);
    const runs: number[][] = [];
    const kind: ItemKind<number, number> = {
      durability: 'relaxed',
      run: (items) => {
        runs.push([...items]);
        return items.map((x) => (x < 0 ? { ok: false, error: new Error(`negative ${x}`) } : (insert.run(x), { ok: true, value: x * 10 })));
      },
    };
    const outcomes = await Promise.allSettled([queue.enqueueItem(kind, 1), queue.enqueueItem(kind, -2), queue.enqueueItem(kind, 3)]);
    assert.deepEqual(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)), [10, 'negative -2', 30]);
    assert.deepEqual(runs, [[1, -2, 3]]);
    assert.deepEqual(rows(), [1, 3]);
    db.close();
  });

  it('never lets an item join an operation queued before another write, so call order holds', async () => {
    const { db, control, insert, rows } = setup();
    const queue = createWriteQueue(control);
    const runs: number[][] = [];
    const kind: ItemKind<number, void> = { durability: 'relaxed', run: (items) => (runs.push([...items]), items.map((x) => (insert.run(x), { ok: true, value: undefined }))) };
    await Promise.all([queue.enqueueItem(kind, 1), queue.enqueue(() => insert.run(2)), queue.enqueueItem(kind, 3), queue.enqueueItem(kind, 4)]);
    assert.deepEqual(runs, [[1], [3, 4]]);
    assert.deepEqual(rows(), [1, 2, 3, 4]);
    await queue.enqueueItem(kind, 5);
    assert.deepEqual(runs.at(-1), [5], 'a later flush starts a new operation');
    db.close();
  });

  it('rejects every item of an operation whose run throws, and keeps none of its writes', async () => {
    const { db, control, insert, rows } = setup();
    const queue = createWriteQueue(control);
    const kind: ItemKind<number, void> = {
      durability: 'relaxed',
      run: (items) => {
        for (const x of items) insert.run(x);
        throw new Error('broken');
      },
    };
    const outcomes = await Promise.allSettled([queue.enqueueItem(kind, 1), queue.enqueueItem(kind, 2), queue.enqueue(() => insert.run(3))]);
    assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected', 'fulfilled']);
    assert.deepEqual(rows(), [3]);
    db.close();
  });
});

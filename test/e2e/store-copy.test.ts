/**
 * `hms-sync store copy` from a real SQLite data directory, made by a real engine, into PostgreSQL:
 * an engine on the PostgreSQL schema then sends everything that was waiting (pending behind an
 * operator's pause, retrying on its schedule, parked until its connector returns) to a real
 * receiver, and lists the dead ones; a second copy copies nothing; a directory an engine holds is
 * refused.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { buildServer } from '../../engine/api/server.js';
import { manualClock } from '../../engine/clock.js';
import { storeCommand } from '../../engine/cli/store-command.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { HmsError } from '../../engine/errors.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { borrowPostgresDatabase, type Borrowed } from '../helpers/servers/shared-servers.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitUntil } from '../helpers/wait-until.js';

const PASSWORD = 'copy-secret-77';
const SCHEMA = 'copied_sync';
const connector = (name: string, type: string) =>
  `name: ${name}\ntarget:\n  url: \${env:RECEIVER_URL}\nroutes:\n  - on: ${type}\n    path: /${name}\n    map: '{ "id": id }'\nretry:\n  schedule: [2s, 2s]\n`;

let database: Borrowed;
let receiver: Receiver;
let dir: Awaited<ReturnType<typeof tempDir>>;
/** Until the copy, retry-* and the gone connector's events fail (503), dead-* always die (400). */
let targetDown = true;
before(async () => {
  database = await borrowPostgresDatabase('store_copy');
  receiver = await startReceiver((request) => {
    const { id } = JSON.parse(request.body) as { id: string };
    if (id.startsWith('dead-')) return 400;
    return targetDown && (id.startsWith('retry-') || id.startsWith('g-')) ? 503 : 200;
  });
  dir = await tempDir();
});
after(async () => {
  await receiver.close();
  await dir.cleanup();
  await database.close();
});

function storeUrl(): string {
  const url = new URL(database.url);
  url.password = PASSWORD;
  return url.href;
}

async function writeConnectors(names: readonly string[]): Promise<string> {
  const connectors = join(dir.path, 'connectors.d');
  await rm(connectors, { recursive: true, force: true });
  await mkdir(connectors);
  for (const name of names) await dir.write(join('connectors.d', `${name}.yaml`), connector(name, name));
  return connectors;
}

function startEngine(connectorsDir: string, store: { dataDir: string } | { schema: string }): Promise<Engine> {
  return createEngine({
    connectorsDir,
    ...('dataDir' in store ? { dataDir: store.dataDir } : { storeLocation: { kind: 'postgres', url: storeUrl(), schema: store.schema } }),
    env: { RECEIVER_URL: receiver.url },
    logger: captureLogger().logger,
    sweepSchedule: 'dataDir' in store ? null : '* * * * * *',
    retentionSchedule: null,
  });
}

async function settled(engine: Engine, id: string, done: (state: string) => boolean) {
  return waitUntil(async () => {
    const event = await engine.getEvent(id);
    return event && event.deliveries.every((d) => done(d.state)) ? event.deliveries[0]! : undefined;
  }, `event ${id} to settle`);
}

async function copy(): Promise<{ code: number; text: string }> {
  let text = '';
  const code = await storeCommand(['copy', '--from', `sqlite:${join(dir.path, 'data')}`, '--to', storeUrl(), '--to-schema', SCHEMA], {}, (chunk) => (text += chunk));
  return { code, text };
}

/** One number read from the SQLite store of `dataDir` (no engine holds it). */
function sourceRows(dataDir: string, statement: string): number {
  const db = new Database(join(dataDir, 'hms-sync.db'), { readonly: true });
  try {
    return db.prepare<[], number>(statement).pluck().get()!;
  } finally {
    db.close();
  }
}

/** The copied count of `table` in the command's output. */
function copiedCount(text: string, table: string): number {
  const line = text.split('\n').find((l) => l.trim().startsWith(`${table} `));
  assert.ok(line, `no line for ${table} in:\n${text}`);
  return Number(/(\d+) copied/.exec(line)![1]);
}

test('store copy moves what waits into PostgreSQL, where an engine sends it; a second copy copies nothing; a held directory is refused', async () => {
  const dataDir = join(dir.path, 'data');
  // A real engine on SQLite: delivered, dead, retrying, paused (pending) and soon parked deliveries.
  const sqlite = await startEngine(await writeConnectors(['sink', 'held', 'gone']), { dataDir });
  await sqlite.pauseConnector('held', 'test');
  const ids = { sink: ['ok-1', 'ok-2', 'retry-1', 'dead-1', 'dead-2'], held: ['h-1', 'h-2'], gone: ['g-1'] };
  for (const [type, list] of Object.entries(ids)) for (const id of list) await sqlite.emit({ type, id });
  for (const id of ['ok-1', 'ok-2', 'retry-1', 'dead-1', 'dead-2', 'g-1']) await settled(sqlite, id, (s) => s !== 'pending' && s !== 'inflight');
  await settled(sqlite, 'retry-1', (s) => s === 'retrying');
  await sqlite.close();

  // Restarted without the gone connector: its retrying delivery is parked.
  let retrying: Awaited<ReturnType<typeof settled>>;
  const restarted = await startEngine(await writeConnectors(['sink', 'held']), { dataDir });
  try {
    await settled(restarted, 'g-1', (s) => s === 'parked');
    // The restart's first sweep may have retried retry-1 already (when it was due): read it now.
    retrying = await settled(restarted, 'retry-1', (s) => s === 'retrying');
    await assert.rejects(copy(), (error: HmsError) => {
      assert.equal(error.code, 'STORE_LOCKED');
      assert.match(error.message, /hms-sync\.db is held by a running hms-sync engine; stop that engine/);
      return true;
    });
  } finally {
    await restarted.close();
  }

  const first = await copy();
  assert.equal(first.code, 0);
  assert.ok(!first.text.includes(PASSWORD) && first.text.includes('***'), first.text);
  assert.equal(copiedCount(first.text, 'events'), 8);
  assert.equal(copiedCount(first.text, 'deliveries'), 8);
  const failedAttempts = sourceRows(dataDir, 'SELECT count(*) FROM attempts');
  assert.ok(failedAttempts >= 4, 'retry-1, dead-1, dead-2 and g-1 failed at least once each');
  assert.equal(copiedCount(first.text, 'attempts'), failedAttempts);
  assert.equal(copiedCount(first.text, 'paused_connectors'), 1);

  targetDown = false;
  receiver.requests.length = 0;
  const postgres = await startEngine(await writeConnectors(['sink', 'held', 'gone']), { schema: SCHEMA });
  try {
    assert.equal((await postgres.getEvent('h-1'))!.deliveries[0]!.state, 'pending', 'the operator pause was copied');
    await postgres.resumeConnector('held', 'test');
    const sent = () => new Set(receiver.requests.map((r) => (JSON.parse(r.body) as { id: string }).id));
    await waitUntil(() => (['h-1', 'h-2', 'g-1', 'retry-1'].every((id) => sent().has(id)) ? true : undefined), 'what waited to be sent', 20_000);
    const retried = receiver.requests.find((r) => r.body.includes('retry-1'))!;
    assert.ok(retried.at >= retrying.nextAttemptAt!, 'the retry keeps its schedule');
    for (const id of ['h-1', 'h-2', 'g-1', 'retry-1']) await settled(postgres, id, (s) => s === 'delivered');
    assert.ok(!sent().has('ok-1') && !sent().has('ok-2'), 'delivered deliveries are not sent again');

    const app = buildServer({ engine: postgres, logger: captureLogger().logger });
    const dead = (await app.inject({ method: 'GET', url: '/deliveries?state=dead' })).json() as { deliveries: { eventId: string; lastStatus: number }[] };
    assert.deepEqual(dead.deliveries.map((d) => [d.eventId, d.lastStatus]), [['dead-1', 400], ['dead-2', 400]]);
    await app.close();
  } finally {
    await postgres.close();
  }

  const second = await copy();
  assert.equal(second.code, 0);
  for (const table of ['events', 'deliveries', 'attempts', 'paused_connectors']) assert.equal(copiedCount(second.text, table), 0, second.text);
});

test('store copy refuses a schema where an engine already stored other events, and copies nothing into it', async () => {
  const connectorsDir = await writeConnectors(['sink']);
  const dataDir = join(dir.path, 'data-2');
  const sqlite = await startEngine(connectorsDir, { dataDir });
  await settled(sqlite, await sqlite.emit({ type: 'sink', id: 'ok-sqlite' }), (s) => s === 'delivered');
  await sqlite.close();
  const postgres = await startEngine(connectorsDir, { schema: 'busy_sync' });
  const held = await postgres.emit({ type: 'sink', id: 'ok-postgres' });
  await settled(postgres, held, (s) => s === 'delivered');
  await assert.rejects(storeCommand(['copy', '--from', `sqlite:${dataDir}`, '--to', storeUrl(), '--to-schema', 'busy_sync'], {}, () => undefined), (error: HmsError) => {
    assert.equal(error.code, 'STORE_COPY_CONFLICT');
    assert.ok(!error.message.includes(PASSWORD), error.message);
    return true;
  });
  try {
    assert.equal(await postgres.getEvent('ok-sqlite'), undefined, 'nothing was copied');
  } finally {
    await postgres.close();
  }
});

test('store copy turns a delivery left inflight by a killed engine into a pending one, due at the copy', async () => {
  const dataDir = join(dir.path, 'data-3');
  const sqlite = await startEngine(await writeConnectors(['held']), { dataDir });
  await sqlite.pauseConnector('held', 'test');
  await sqlite.emit({ type: 'held', id: 'in-flight' });
  await sqlite.close();
  // As a SIGKILL mid-send leaves it: inflight, leased into the future.
  const db = new Database(join(dataDir, 'hms-sync.db'));
  db.prepare("UPDATE deliveries SET state = 'inflight', next_attempt_at = next_attempt_at + 3600000").run();
  db.close();
  const copiedAt = Date.UTC(2026, 11, 1);
  await storeCommand(['copy', '--from', `sqlite:${dataDir}`, '--to', storeUrl(), '--to-schema', 'inflight_sync'], {}, () => undefined, manualClock(copiedAt));
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ state: string; next_attempt_at: string }>('SELECT state, next_attempt_at FROM inflight_sync.deliveries');
    assert.deepEqual(rows.map((row) => [row.state, Number(row.next_attempt_at)]), [['pending', copiedAt]]);
  } finally {
    await client.end();
  }
});

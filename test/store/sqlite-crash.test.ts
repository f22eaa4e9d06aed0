/**
 * The SQLite store under a second process: the lock across processes, and durability when the
 * writing process is killed with SIGKILL. The child runs the built store from dist/.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';

const STORE_MODULE = new URL('../../engine/store/sqlite/sqlite-store.js', import.meta.url).href;
const HOUR_MS = 3_600_000;

/** Opens the store, prints "open", then writes batches of 50 events (2 deliveries each, handed to a
 * dispatcher for an hour) from 4 concurrent writers, printing "ok <ids>" once each is acknowledged.
 * With WRITE=0 it only holds the store open. */
const CHILD = `
const { openSqliteStore } = await import(process.env.STORE_MODULE);
const store = await openSqliteStore({ dataDir: process.env.DATA_DIR });
process.stdout.write('open\\n');
setInterval(() => {}, 60_000);
let n = 0;
async function writer() {
  for (;;) {
    const now = Date.now();
    const events = Array.from({ length: 50 }, () => {
      const id = 'e' + n++;
      const lease = now + ${HOUR_MS};
      return { id, type: 't', body: JSON.stringify({ type: 't', id }), receivedAt: now, deliveries: [
        { id: id + '-crm', connector: 'crm', route: 'r', state: 'pending', nextAttemptAt: lease },
        { id: id + '-erp', connector: 'erp', route: 'r', state: 'pending', nextAttemptAt: lease },
      ] };
    });
    await store.acceptEvents(events);
    process.stdout.write('ok ' + events.map((e) => e.id).join(',') + '\\n');
  }
}
if (process.env.WRITE === '1') for (let i = 0; i < 4; i++) writer();
`;

interface Child {
  readonly process: ChildProcess;
  /** Complete lines printed so far. */
  readonly lines: string[];
  waitFor(predicate: (lines: readonly string[]) => boolean): Promise<void>;
  kill(): Promise<void>;
}

function startChild(dataDir: string, write: boolean): Child {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: { ...process.env, STORE_MODULE, DATA_DIR: dataDir, WRITE: write ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let partial = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    process: child,
    lines,
    waitFor: (predicate) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (predicate(lines)) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        void exited.then(() => (waiters.has(check) ? reject(new Error(`child exited; output: ${lines.join('\n')}`)) : undefined));
        check();
      }),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

const children: Child[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function setup(write: boolean): Promise<{ dataDir: string; child: Child }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hms-store-crash-'));
  dirs.push(dataDir);
  const child = startChild(dataDir, write);
  children.push(child);
  await child.waitFor((lines) => lines.includes('open'));
  return { dataDir, child };
}

describe('sqlite store across processes', { timeout: 30_000 }, () => {
  it('refuses a data directory that another process holds, and takes it once that process dies', async () => {
    const { dataDir, child } = await setup(false);
    await assert.rejects(openSqliteStore({ dataDir }), { code: 'STORE_LOCKED' });
    await child.kill();
    const store = await openSqliteStore({ dataDir });
    await store.close();
  });

  it('keeps every acknowledged event after SIGKILL, with its deliveries due at reopen', async () => {
    const { dataDir, child } = await setup(true);
    await child.waitFor((lines) => lines.filter((l) => l.startsWith('ok ')).length >= 40);
    await child.kill();
    assert.equal(child.process.signalCode, 'SIGKILL');
    const acknowledged = child.lines.filter((l) => l.startsWith('ok ')).flatMap((l) => l.slice(3).split(','));
    assert.ok(acknowledged.length >= 2_000, `acknowledged ${acknowledged.length} events`);

    const store = await openSqliteStore({ dataDir });
    try {
      for (const id of acknowledged) {
        const view = await store.getEvent(id);
        assert.deepEqual(view?.deliveries.map((d) => [d.id, d.state]), [
          [`${id}-crm`, 'pending'],
          [`${id}-erp`, 'pending'],
        ]);
      }
      const due = await store.claimDue({ now: Date.now(), limit: 1e9, leaseMs: 1_000, connectors: new Set(['crm', 'erp']) });
      const dueIds = new Set(due.map((d) => d.id));
      const missing = acknowledged.flatMap((id) => [`${id}-crm`, `${id}-erp`]).filter((id) => !dueIds.has(id));
      assert.deepEqual(missing, [], 'every acknowledged delivery is due');
      // Batches are atomic across the crash too: a stored event has all of its deliveries.
      assert.equal(due.length % 2, 0);
    } finally {
      await store.close();
    }
  });
});

/**
 * Finding deliveries in the SQLite store: the access path of each kind of filter (an index, or the
 * table in seq order with a bounded scan), checked on SQLite's query plans, and the bound itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { manualClock } from '../../engine/clock.js';
import type { DeliveryFilter } from '../../engine/store/store.js';
import { DB_FILE_NAME } from '../../engine/store/sqlite/open-database.js';
import { createDeliveryFinder, filterParams, findSql } from '../../engine/store/sqlite/find-deliveries.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import { event, pending, T0 } from './contract-helpers.js';
import { queryPlan, useTempDirs } from './sqlite-fixtures.js';
import { join } from 'node:path';

const tempDir = useTempDirs('hms-find-');

function planOf(filter: DeliveryFilter, order: 'asc' | 'desc' = 'desc'): { path: string; plan: string[] } {
  const { path, sql } = findSql(filter, order, 'bodies', true);
  return { path, plan: queryPlan(sql, { ...filterParams(filter), limit: 101, after: 500, from: 1, to: 50_000 }).split('\n') };
}

/** Steps that read every row of the deliveries table. */
const tableScans = (plan: readonly string[]) => plan.filter((line) => /^SCAN d( |$)/.test(line) && !line.includes('USING INDEX'));

describe('finding deliveries in sqlite', () => {
  it('reads the deliveries of one event through deliveries_event', () => {
    const { path, plan } = planOf({ eventId: 'e1', states: ['dead', 'delivered'] });
    assert.equal(path, 'indexed');
    assert.ok(plan.some((line) => /SEARCH d USING INDEX deliveries_event \(event_id=\? AND rowid<\?\)/.test(line)), plan.join(' | '));
  });

  it('reads the states that have a partial index through it, never the delivered rows', () => {
    const cases: [DeliveryFilter, RegExp[]][] = [
      [{ states: ['retrying'] }, [/INDEX deliveries_due/]],
      [{ states: ['pending', 'inflight'], connectors: ['crm'] }, [/INDEX deliveries_due/]],
      [{ states: ['parked'] }, [/INDEX deliveries_parked/]],
      [{ states: ['dead'] }, [/SEARCH d USING INDEX deliveries_dead \(seq<\?\)/]],
      [{ states: ['dead'], connectors: ['crm'] }, [/SEARCH d USING INDEX deliveries_dead \(seq<\?\)/]],
      [{ states: ['discarded'] }, [/INDEX deliveries_discarded/]],
      [{ states: ['dead', 'retrying', 'discarded'], eventTypes: ['permit.*'], since: T0 }, [/INDEX deliveries_due/, /INDEX deliveries_dead/, /INDEX deliveries_discarded/]],
    ];
    for (const [filter, indexes] of cases) {
      const { path, plan } = planOf(filter);
      assert.equal(path, 'indexed', JSON.stringify(filter));
      for (const index of indexes) assert.ok(plan.some((line) => index.test(line)), `${index} for ${JSON.stringify(filter)}: ${plan.join(' | ')}`);
      assert.deepEqual(tableScans(plan), [], `no table scan for ${JSON.stringify(filter)}`);
    }
  });

  it('lists the seqs a bulk action changes from the index alone, for the states asked whole', () => {
    for (const [filter, index] of [
      [{ states: ['dead'] }, 'deliveries_dead'],
      [{ states: ['retrying'] }, 'deliveries_due'],
      [{ states: ['discarded'] }, 'deliveries_discarded'],
    ] as [DeliveryFilter, string][]) {
      const { sql } = findSql(filter, 'asc', 'seqs', true);
      const plan = queryPlan(sql, { ...filterParams(filter), limit: 10_001, after: 5 });
      assert.match(plan, new RegExp(`USING COVERING INDEX ${index}`), `${JSON.stringify(filter)}: ${plan}`);
    }
  });

  it('reads anything else as a range of seqs of the table, in order, with no sort', () => {
    for (const filter of [{}, { connectors: ['crm'], route: 'main' }, { states: ['delivered', 'dead'] }, { eventTypes: ['permit.*'], statuses: ['5xx', 'network'], minAttempts: 2 }] as DeliveryFilter[]) {
      for (const order of ['desc', 'asc'] as const) {
        const { path, plan } = planOf(filter, order);
        assert.equal(path, 'table');
        assert.match(plan[0]!, /^SEARCH d USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)$/, `${order} ${JSON.stringify(filter)}`);
        assert.ok(plan.some((line) => /SEARCH e USING INDEX sqlite_autoindex_events_1 \(id=\?\)/.test(line)), plan.join(' | '));
        assert.ok(!plan.some((line) => line.includes('TEMP B-TREE')), plan.join(' | '));
      }
    }
  });

  it('reads no more seqs of the table per call than its bound, and pages on from where it stopped', async () => {
    const dataDir = await tempDir();
    const store = await openSqliteStore({ dataDir, clock: manualClock(T0) });
    const events = Array.from({ length: 30 }, (_, i) => event(`e${i}`, [pending(`d${i}`, i % 10 === 3 ? 'erp' : 'crm')], T0 + i));
    await store.acceptEvents(events);
    await store.close();
    const db = new Database(join(dataDir, DB_FILE_NAME), { readonly: true });
    try {
      const finder = createDeliveryFinder(db);
      for (const order of ['desc', 'asc'] as const) {
        const found: string[] = [];
        const pageSizes: number[] = [];
        let after: string | undefined;
        for (let calls = 1; ; calls++) {
          const page = finder.find({ filter: { connectors: ['erp'] }, order, limit: 10, ...(after !== undefined && { after }) }, 4);
          found.push(...page.rows.map((row) => row.id));
          pageSizes.push(page.rows.length);
          if (page.next === null) break;
          after = page.next;
          assert.ok(calls < 20, 'it ends');
        }
        assert.deepEqual(found, order === 'desc' ? ['d23', 'd13', 'd3'] : ['d3', 'd13', 'd23']);
        assert.equal(pageSizes.length, 8, `30 seqs, 4 a call: ${pageSizes.join(',')}`);
        assert.ok(pageSizes.includes(0), 'a call that found nothing still hands out a cursor');
      }
      const window = finder.find({ filter: { since: T0 + 10, until: T0 + 13 }, order: 'asc', limit: 10 }, 4);
      assert.deepEqual([window.rows.map((row) => row.id), window.next], [['d10', 'd11', 'd12'], null], 'since and until narrow the range first');
    } finally {
      db.close();
    }
  });
});

/**
 * A transactional outbox in PostgreSQL (node-postgres). Each `take` is a lease: a transaction
 * that locks up to `batch` waiting rows in id order with FOR UPDATE SKIP LOCKED, so several
 * engines share one outbox without taking a row twice, and only committed rows are ever seen (a
 * rolled-back insert never is; a row committed late with a lower id is taken by a later lease).
 * The lease's transaction stays open while the runner stores the rows' events; once every row of
 * it is acknowledged or rejected, its rows are deleted or marked and it commits, always after
 * hms-sync's own store has committed. A crash or a lost connection rolls it back: the rows are
 * taken again, and their event ids make them duplicates.
 *
 * An empty outbox is looked at again after `pollInterval`, or at once on a NOTIFY on `notify`.
 */
import pg from 'pg';
import type { CompiledSource } from '../../config/sources/compiled-source.js';
import { HmsError } from '../../errors.js';
import { outboxSql, type OutboxRow, type RowFate } from './postgres-outbox-sql.js';
import type { SourceAdapter, SourceMessage } from './source-adapter.js';
import { createWakeUp } from './wake-up.js';

/** How long connecting may take. */
export const OUTBOX_CONNECT_TIMEOUT_MS = 5_000;
/** Connections: two leases at once (the runner takes one batch while it stores another), one for lag. */
const OUTBOX_POOL_SIZE = 3;
/** Waiting rows are counted up to this many (counting a huge backlog would cost more than it tells). */
export const OUTBOX_LAG_CAP = 1_000_000;

interface Lease {
  readonly client: pg.PoolClient;
  readonly fates: RowFate[];
  unsettled: number;
}

interface OutboxMessage extends SourceMessage {
  readonly rowId: string;
  readonly lease: Lease;
}

export function createOutboxAdapter(source: CompiledSource & { readonly type: 'postgres-outbox' }): SourceAdapter<OutboxMessage> {
  const settings = source.outbox;
  const sql = outboxSql(settings);
  const config: pg.PoolConfig = {
    connectionString: settings.url,
    connectionTimeoutMillis: OUTBOX_CONNECT_TIMEOUT_MS,
    application_name: `hms-sync source ${source.name}`,
    ...(settings.tls && { ssl: { ...settings.tls } }),
  };
  const pool = new pg.Pool({ ...config, max: OUTBOX_POOL_SIZE });
  const leases = new Set<Lease>();
  const notified = createWakeUp();
  let listener: pg.Client | undefined;
  let failure: HmsError | undefined;
  const lost = (error: unknown) => {
    failure ??= unavailable('the connection to PostgreSQL was lost', error);
    notified.wake();
  };
  pool.on('error', lost);

  const release = (client: pg.PoolClient, destroy = false) => {
    client.off('error', lost);
    client.release(destroy);
  };

  async function finish(lease: Lease): Promise<void> {
    leases.delete(lease);
    try {
      await lease.client.query(sql.finish(lease.fates));
      release(lease.client);
    } catch (error) {
      release(lease.client, true);
      throw unavailable('the outbox rows could not be deleted or marked (they will be taken again)', error);
    }
  }

  async function settle(lease: Lease, fates: readonly RowFate[]): Promise<void> {
    lease.fates.push(...fates);
    lease.unsettled -= fates.length;
    if (lease.unsettled === 0) await finish(lease);
  }

  return {
    async connect() {
      try {
        await pool.query(sql.probe());
        if (settings.notify !== undefined) {
          listener = new pg.Client(config);
          listener.on('error', lost);
          listener.on('end', () => lost('the LISTEN connection ended'));
          listener.on('notification', () => notified.wake());
          await listener.connect();
          await listener.query(`LISTEN ${pg.escapeIdentifier(settings.notify)}`);
        }
      } catch (error) {
        throw unavailable(`cannot read the outbox table "${settings.table}"`, error);
      }
    },
    async take(max, signal) {
      for (;;) {
        if (failure) throw failure;
        if (signal.aborted) return [];
        let client: pg.PoolClient;
        let rows: OutboxRow[];
        try {
          client = await pool.connect();
        } catch (error) {
          throw unavailable('cannot connect to PostgreSQL', error);
        }
        // A leased connection that fails between queries (the server went away) reports it here.
        client.on('error', lost);
        try {
          const results = (await client.query(sql.take(Math.min(max, settings.batch)))) as unknown as pg.QueryResult<OutboxRow>[];
          rows = results[1]?.rows ?? [];
          if (rows.length === 0) await client.query('COMMIT');
        } catch (error) {
          release(client, true);
          throw unavailable('cannot take rows from the outbox', error);
        }
        if (rows.length === 0) {
          release(client);
          await notified.wait(signal, settings.pollIntervalMs);
          continue;
        }
        const lease: Lease = { client, fates: [], unsettled: rows.length };
        leases.add(lease);
        return rows.map((row) => toMessage(row, lease, source));
      }
    },
    async ack(messages) {
      const byLease = new Map<Lease, RowFate[]>();
      for (const message of messages) byLease.set(message.lease, [...(byLease.get(message.lease) ?? []), { id: message.rowId }]);
      for (const [lease, fates] of byLease) await settle(lease, fates);
    },
    reject(message, reason) {
      return settle(message.lease, [{ id: message.rowId, reason }]);
    },
    async lag() {
      const result = await pool.query<{ waiting: number }>(sql.lag(OUTBOX_LAG_CAP));
      return result.rows[0]?.waiting ?? null;
    },
    async close() {
      for (const lease of leases) {
        // Rolled back when the connection ends: the rows are free for the next taker.
        release(lease.client, true);
      }
      leases.clear();
      await listener?.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

function toMessage(row: OutboxRow, lease: Lease, source: CompiledSource & { readonly type: 'postgres-outbox' }): OutboxMessage {
  const { columns, table } = source.outbox;
  const createdAt = row.created_at instanceof Date ? row.created_at.toISOString() : row.created_at;
  const headers = row.headers === undefined || row.headers === null ? undefined : parseHeaders(row.headers);
  return {
    rowId: row.id,
    lease,
    body: row.payload ?? 'null',
    context: {
      row: { [columns.id]: row.id, [columns.type]: row.type, [columns.createdAt]: createdAt, ...(columns.headers !== undefined && { [columns.headers]: headers }) },
      headers,
    },
    position: `table ${table} row ${row.id}`,
    ...(row.type !== null && row.type !== '' && { type: row.type }),
    id: `outbox:${table}:${row.id}`,
  };
}

function parseHeaders(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function unavailable(what: string, error: unknown): HmsError {
  if (error instanceof HmsError) return error;
  return new HmsError('SOURCE_UNAVAILABLE', `${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

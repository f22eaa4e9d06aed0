/**
 * The SQL of the PostgreSQL outbox source, as text; pure. Identifiers come from the source file
 * (checked against ^[A-Za-z_][A-Za-z0-9_]*$ by the schema) and are quoted; row ids come from the
 * outbox's integer id column and are checked to be integers before they are written into a
 * statement; rejection reasons are quoted literals. Statements that go together are sent as one
 * simple query, one round trip: BEGIN with the SELECT that locks the rows, the DELETE or UPDATE
 * with its COMMIT.
 */
import pg from 'pg';
import type { CompiledOutbox } from '../../config/sources/compiled-source.js';
import { HmsError } from '../../errors.js';

/** The column aliases a taken row comes back with, whatever the table calls them. */
export interface OutboxRow {
  readonly id: string;
  readonly type: string | null;
  readonly payload: string | null;
  readonly created_at: Date | string | null;
  readonly headers?: string | null;
}

export interface RowFate {
  readonly id: string;
  /** Why the row could not become an event; absent for a row whose event is stored. */
  readonly reason?: string;
}

export interface OutboxSql {
  /** Opens a transaction and locks up to `limit` waiting rows, in id order, skipping rows other engines hold. */
  take(limit: number): string;
  /** Deletes or marks the rows of the transaction, then commits it. */
  finish(rows: readonly RowFate[]): string;
  /** Rows waiting, counted up to `cap`. */
  lag(cap: number): string;
  /** Reads no row, but fails when the table or a column is missing. */
  probe(): string;
}

const INTEGER = /^-?[0-9]+$/;

export function outboxSql(outbox: CompiledOutbox): OutboxSql {
  const name = (identifier: string) => pg.escapeIdentifier(identifier);
  const table = outbox.table.split('.').map(name).join('.');
  const { columns } = outbox;
  const waiting = outbox.onConsume === 'mark' ? ` WHERE ${name(columns.processedAt)} IS NULL` : '';
  const selected = [
    `${name(columns.id)}::text AS id`,
    `${name(columns.type)}::text AS type`,
    `${name(columns.payload)}::text AS payload`,
    `${name(columns.createdAt)} AS created_at`,
    ...(columns.headers === undefined ? [] : [`${name(columns.headers)}::text AS headers`]),
  ].join(', ');
  const idList = (ids: readonly string[]) => ids.map((id) => {
    if (!INTEGER.test(id)) throw new HmsError('SOURCE_UNAVAILABLE', `outbox id ${JSON.stringify(id)} is not an integer; the id column (${columns.id}) must be bigserial or bigint`);
    return id;
  }).join(', ');

  return {
    take: (limit) => `BEGIN; SELECT ${selected} FROM ${table}${waiting} ORDER BY ${name(columns.id)} LIMIT ${Math.max(1, Math.floor(limit))} FOR UPDATE SKIP LOCKED`,
    finish(rows) {
      if (rows.length === 0) return 'COMMIT';
      const statements: string[] = [];
      if (outbox.onConsume === 'delete') statements.push(`DELETE FROM ${table} WHERE ${name(columns.id)} IN (${idList(rows.map((row) => row.id))})`);
      else {
        const stored = rows.filter((row) => row.reason === undefined).map((row) => row.id);
        const rejected = rows.filter((row): row is Required<RowFate> => row.reason !== undefined);
        if (stored.length > 0) statements.push(`UPDATE ${table} SET ${name(columns.processedAt)} = now() WHERE ${name(columns.id)} IN (${idList(stored)})`);
        for (const row of rejected) {
          statements.push(`UPDATE ${table} SET ${name(columns.processedAt)} = now(), ${name(columns.error)} = ${pg.escapeLiteral(row.reason)} WHERE ${name(columns.id)} = ${idList([row.id])}`);
        }
      }
      return `${statements.join('; ')}; COMMIT`;
    },
    lag: (cap) => `SELECT count(*)::int AS waiting FROM (SELECT 1 FROM ${table}${waiting} LIMIT ${Math.floor(cap)}) AS rows`,
    probe: () => {
      const marks = outbox.onConsume === 'mark' ? `, ${name(columns.processedAt)}, ${name(columns.error)}` : '';
      return `SELECT ${selected}${marks} FROM ${table} LIMIT 0`;
    },
  };
}

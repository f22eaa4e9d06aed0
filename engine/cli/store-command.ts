/**
 * `hms-sync store copy --from sqlite:PATH --to postgres://… [--to-schema NAME]`: copies a stopped
 * engine's SQLite store into a PostgreSQL schema (store/copy/copy-store.ts says what and how), then
 * prints the rows copied per table. Exit codes as the other commands: 0 copied (or nothing left to
 * copy), 1 failed (STORE_LOCKED, STORE_OPEN_FAILED, STORE_COPY_CONFLICT, STORE_UNAVAILABLE), 2 bad
 * command line. The URL is printed with its password masked.
 */
import { systemClock, type Clock } from '../clock.js';
import { HmsError } from '../errors.js';
import { copySqliteToPostgres, type CopyCounts } from '../store/copy/copy-store.js';
import { DEFAULT_STORE_SCHEMA } from '../store/postgres/connection.js';
import { describeStoreLocation, parseStoreLocation } from '../store/store-location.js';
import { parseCommandLine, stringFlag } from './command-line.js';

export const STORE_USAGE = `usage: hms-sync store copy --from sqlite:PATH --to postgres://USER@HOST/DATABASE [--to-schema NAME]

  copy          copies the store of a stopped engine (its data directory) into a PostgreSQL
                schema: events still stored, deliveries with their attempts (in flight ones
                become due), disabled and paused connectors, replays. Run it again: it copies
                nothing twice.

  --from URL    the SQLite store, sqlite:PATH (the engine's --data directory)
  --to URL      the PostgreSQL store, as --store takes it (env HMS_SYNC_STORE); a password is
                best left out of the URL: PGPASSWORD or PGPASSFILE
  --to-schema   its schema (env HMS_SYNC_STORE_SCHEMA, default ${DEFAULT_STORE_SCHEMA})

exit codes: 0 copied, 1 failed (nothing was copied), 2 bad command line`;

const OPTIONS = { from: { type: 'string' }, to: { type: 'string' }, 'to-schema': { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

export async function storeCommand(
  args: readonly string[],
  env: Record<string, string | undefined>,
  out: (text: string) => void = (text) => process.stdout.write(text),
  clock: Clock = systemClock,
): Promise<number> {
  const line = parseCommandLine(args, OPTIONS, STORE_USAGE);
  const [action, ...extra] = line.positionals;
  if (line.values.help === true || action === undefined) {
    out(`${STORE_USAGE}\n`);
    return line.values.help === true ? 0 : 2;
  }
  if (action !== 'copy' || extra.length > 0) throw new HmsError('USAGE', `unknown store action "${[action, ...extra].join(' ')}"; use store copy\n${STORE_USAGE}`);
  const from = parseStoreLocation(required(stringFlag(line, 'from'), '--from sqlite:PATH'));
  const to = parseStoreLocation(required(stringFlag(line, 'to') ?? env.HMS_SYNC_STORE, '--to postgres://…'), stringFlag(line, 'to-schema') ?? env.HMS_SYNC_STORE_SCHEMA ?? DEFAULT_STORE_SCHEMA);
  if (from.kind !== 'sqlite') throw new HmsError('USAGE', `--from must name a SQLite store (sqlite:PATH), got ${describeStoreLocation(from)}\n${STORE_USAGE}`);
  if (to.kind !== 'postgres') throw new HmsError('USAGE', `--to must name a PostgreSQL store (postgres://…), got ${describeStoreLocation(to)}\n${STORE_USAGE}`);
  const counts = await copySqliteToPostgres({ dataDir: from.dataDir, url: to.url, schema: to.schema, now: clock.now() });
  out(formatCopy(describeStoreLocation(from), `${describeStoreLocation(to)} (schema ${to.schema})`, counts));
  return 0;
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new HmsError('USAGE', `store copy needs ${what}\n${STORE_USAGE}`);
  return value;
}

/** One line per table: rows copied, and rows skipped because an earlier copy brought them. */
export function formatCopy(from: string, to: string, counts: CopyCounts): string {
  const width = Math.max(...counts.map((c) => c.table.length));
  const rows = counts.map(({ table, read, copied }) => `  ${table.padEnd(width)}  ${String(copied).padStart(9)} copied${read > copied ? `, ${read - copied} skipped (already there)` : ''}`);
  return `copied ${from} to ${to}\n${rows.join('\n')}\n`;
}

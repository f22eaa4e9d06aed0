/**
 * Where the store lives, as `--store URL` (HMS_SYNC_STORE) names it:
 * - `sqlite:PATH`: the embedded SQLite store in data directory PATH (one engine per directory);
 * - `postgres://…` or `postgresql://…`: the PostgreSQL store, its tables in schema
 *   `--store-schema` (HMS_SYNC_STORE_SCHEMA, default hms_sync). The password comes from the URL,
 *   or from the standard PostgreSQL variables (PGPASSWORD, PGPASSFILE) as libpq reads them; TLS
 *   as libpq spells it in the URL (`?sslmode=verify-full&sslrootcert=…`).
 *
 * Contract: `describeStoreLocation` is the only form of a location that may reach a log, an
 * error or an API answer (a PostgreSQL URL with its password masked).
 */
import { HmsError } from '../errors.js';
import { checkSchemaName, DEFAULT_STORE_SCHEMA, maskStoreUrl } from './postgres/connection.js';

export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly dataDir: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

/** The store when nothing names one. */
export const DEFAULT_STORE = 'sqlite:./data';

/** The store URL `text` (see the module's comment); `schema` applies to PostgreSQL only. */
export function parseStoreLocation(text: string, schema: string = DEFAULT_STORE_SCHEMA): StoreLocation {
  if (text.startsWith('sqlite:')) {
    const dataDir = text.slice('sqlite:'.length);
    if (dataDir === '') throw new HmsError('USAGE', '--store sqlite: needs a data directory, e.g. sqlite:./data');
    return { kind: 'sqlite', dataDir };
  }
  if (/^postgres(ql)?:\/\//.test(text)) {
    try {
      new URL(text);
    } catch {
      throw new HmsError('USAGE', `--store ${maskStoreUrl(text)} is not a valid URL; write postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`);
    }
    return { kind: 'postgres', url: text, schema: checkSchemaName(schema) };
  }
  const shown = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? maskStoreUrl(text) : text.slice(0, 70);
  throw new HmsError('USAGE', `--store "${shown}" names no store hms-sync knows: use sqlite:PATH (a data directory) or postgres://USER@HOST/DATABASE`);
}

/** The location for logs, errors and GET /status: `sqlite:PATH`, or the URL with its password masked. */
export function describeStoreLocation(location: StoreLocation): string {
  return location.kind === 'sqlite' ? `sqlite:${location.dataDir}` : maskStoreUrl(location.url);
}

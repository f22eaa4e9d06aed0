/** Options of `hms-sync run`: flags first, then HMS_SYNC_* variables (with the engine settings
 * file's beneath them, see run-settings.ts), then defaults. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONNECTORS_DIR } from '../config/load/connector-file-name.js';
import { formatDuration, NEVER, parseDuration, parseDurationOrNever } from '../config/values/duration.js';
import { parseStoreSize } from '../config/values/size.js';
import { DEFAULT_SOURCES_DIR } from '../config/sources/source-file-name.js';
import { HmsError } from '../errors.js';
import { DEFAULT_STORE_SCHEMA } from '../store/postgres/connection.js';
import { describeStoreLocation, parseStoreLocation, type StoreLocation } from '../store/store-location.js';
import { DEFAULT_MAX_INFLIGHT_BODY_BYTES } from '../api/inflight-bodies.js';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_MAX_CONNECTIONS } from '../api/server.js';
import { DEFAULT_RETENTION, type RetentionSettings } from '../sweep/retention-policy.js';
import { DEFAULT_SWEEP_SCHEDULE, validateSweepSchedule } from '../sweep/sweep.js';
import { DEFAULT_LEASE_MS, DEFAULT_LEASE_RENEW_MS } from '../engine.js';

export interface RunOptions {
  /** The engine settings file named by --config, if any. */
  readonly config: string | undefined;
  readonly connectors: string;
  readonly sources: string;
  /** --store, or --data DIR as sqlite:DIR; sqlite:data when neither is given. */
  readonly store: StoreLocation;
  readonly port: number;
  readonly host: string;
  readonly sweep: string;
  /** How long a claimed delivery stays this engine's, and (shared store) how often it is renewed. */
  readonly leaseMs: number;
  readonly leaseRenewMs: number;
  readonly bodyLimitBytes: number;
  readonly maxConnections: number;
  readonly maxInflightBodyBytes: number;
  readonly logLevel: string;
  readonly strict: boolean;
  readonly retention: RetentionSettings;
  readonly help: boolean;
}

export const RUN_USAGE = `usage: hms-sync run [options]

  --config FILE       engine settings file (env HMS_SYNC_CONFIG, default ./hms-sync.yaml when it
                      exists); flags and HMS_SYNC_* variables win over it; read at start only
  --connectors DIR    connector files (env HMS_SYNC_CONNECTORS, default ./connectors.d)
  --sources DIR       source files: brokers and outboxes to take events from (env HMS_SYNC_SOURCES,
                      default ./sources.d; a missing directory means no sources)
  --store URL         where the store lives: sqlite:PATH (a data directory, one engine each) or
                      postgres://USER@HOST[:PORT]/DATABASE (password from the URL or PGPASSWORD)
                      (env HMS_SYNC_STORE, default sqlite:./data; see docs/scale-out.md)
  --store-schema NAME the PostgreSQL schema of the store's tables (env HMS_SYNC_STORE_SCHEMA,
                      default ${DEFAULT_STORE_SCHEMA})
  --data DIR          short for --store sqlite:DIR (env HMS_SYNC_DATA; HMS_SYNC_STORE wins over it)
  --port N            HTTP port, 0 for any free port (env HMS_SYNC_PORT, default 8080)
  --host H            HTTP bind address (env HMS_SYNC_HOST, default 127.0.0.1)
  --sweep CRON        retry sweep schedule, cron with seconds (env HMS_SYNC_SWEEP, default "${DEFAULT_SWEEP_SCHEDULE}")
  --lease DURATION    how long a delivery claimed by this engine stays its own before another
                      replica may claim it (env HMS_SYNC_LEASE, default ${formatDuration(DEFAULT_LEASE_MS)}); on PostgreSQL
                      a replica cut off longer than this stops sending what it held
  --lease-renew DURATION
                      how often a replica on PostgreSQL renews its leases and heartbeat, well
                      below --lease (env HMS_SYNC_LEASE_RENEW, default ${formatDuration(DEFAULT_LEASE_RENEW_MS)})
  --body-limit BYTES  largest POST /events body (env HMS_SYNC_BODY_LIMIT, default ${DEFAULT_BODY_LIMIT_BYTES})
  --max-connections N open connections at most; further ones are closed at once
                      (env HMS_SYNC_MAX_CONNECTIONS, default ${DEFAULT_MAX_CONNECTIONS})
  --max-inflight-body-bytes BYTES
                      request bodies held at once; past it POST /events gets 503 INGEST_BUSY
                      before its body is read (env HMS_SYNC_MAX_INFLIGHT_BODY_BYTES, default ${DEFAULT_MAX_INFLIGHT_BODY_BYTES})
  --log-level LEVEL   trace, debug, info, warn, error (env HMS_SYNC_LOG_LEVEL, default info)
  --strict            exit 1 when a connector file has problems, instead of setting it aside and
                      running the valid ones (env HMS_SYNC_STRICT=1)

  --retain-delivered DURATION  a delivered delivery is deleted this long after delivery
                               (env HMS_SYNC_RETAIN_DELIVERED, default ${formatDuration(DEFAULT_RETENTION.deliveredMs)})
  --retain-events DURATION     an event is kept at least this long, then deleted once none of its
                               deliveries remains (env HMS_SYNC_RETAIN_EVENTS, default ${formatDuration(DEFAULT_RETENTION.eventsMs)})
  --retain-dead DURATION|never a dead delivery is deleted this long after it died
                               (env HMS_SYNC_RETAIN_DEAD, default ${NEVER})
  --max-store-size SIZE        past it, the oldest delivered deliveries go first, then POST /events
                               answers 507 (env HMS_SYNC_MAX_STORE_SIZE, e.g. 20GB, default none);
                               SQLite only: PostgreSQL's disk is its server's to guard

  HMS_SYNC_API_TOKEN      when set, every endpoint but /healthz and /readyz needs
                          "Authorization: Bearer <token>"; without it the engine listens on
                          loopback addresses only. This token may do everything; the others less:
  HMS_SYNC_READ_TOKEN     reads (every GET, /metrics included), acts on nothing
  HMS_SYNC_INGEST_TOKEN   POST /events only
  HMS_SYNC_METRICS_TOKEN  GET /metrics only, for a scraper`;

export function parseRunOptions(args: readonly string[], env: Record<string, string | undefined>): RunOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        config: { type: 'string' },
        connectors: { type: 'string' },
        sources: { type: 'string' },
        data: { type: 'string' },
        store: { type: 'string' },
        'store-schema': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        sweep: { type: 'string' },
        lease: { type: 'string' },
        'lease-renew': { type: 'string' },
        'body-limit': { type: 'string' },
        'max-connections': { type: 'string' },
        'max-inflight-body-bytes': { type: 'string' },
        'log-level': { type: 'string' },
        strict: { type: 'boolean' },
        'retain-delivered': { type: 'string' },
        'retain-events': { type: 'string' },
        'retain-dead': { type: 'string' },
        'max-store-size': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new HmsError('USAGE', `${(error as Error).message}\n${RUN_USAGE}`);
  }
  const sweep = values.sweep ?? env.HMS_SYNC_SWEEP ?? DEFAULT_SWEEP_SCHEDULE;
  validateSweepSchedule(sweep);
  const leaseMs = setting('--lease', values.lease ?? env.HMS_SYNC_LEASE, parseDuration, DEFAULT_LEASE_MS);
  const leaseRenewMs = setting('--lease-renew', values['lease-renew'] ?? env.HMS_SYNC_LEASE_RENEW, parseDuration, DEFAULT_LEASE_RENEW_MS);
  if (leaseRenewMs <= 0 || leaseRenewMs >= leaseMs) {
    throw new HmsError('USAGE', `--lease-renew (${formatDuration(leaseRenewMs)}) must be above zero and below --lease (${formatDuration(leaseMs)}); a third of it survives two missed renewals`);
  }
  const store = storeLocation({ store: values.store, data: values.data }, env, values['store-schema'] ?? env.HMS_SYNC_STORE_SCHEMA ?? DEFAULT_STORE_SCHEMA);
  const maxStoreBytes = setting('--max-store-size', values['max-store-size'] ?? env.HMS_SYNC_MAX_STORE_SIZE, parseStoreSize, DEFAULT_RETENTION.maxStoreBytes);
  if (maxStoreBytes !== null && store.kind === 'postgres') {
    throw new HmsError(
      'USAGE',
      '--max-store-size (HMS_SYNC_MAX_STORE_SIZE) guards the disk of a SQLite store; it cannot shrink PostgreSQL\'s files (deleted rows leave space PostgreSQL reuses, not give back), and that disk is the server\'s to watch: leave it out with a postgres:// store and watch the server\'s disk instead (docs/scale-out.md)',
    );
  }
  return {
    config: values.config,
    connectors: values.connectors ?? env.HMS_SYNC_CONNECTORS ?? DEFAULT_CONNECTORS_DIR,
    sources: values.sources ?? env.HMS_SYNC_SOURCES ?? DEFAULT_SOURCES_DIR,
    store,
    port: integer('--port', values.port ?? env.HMS_SYNC_PORT ?? '8080', 0, 65535),
    host: values.host ?? env.HMS_SYNC_HOST ?? '127.0.0.1',
    sweep,
    leaseMs,
    leaseRenewMs,
    bodyLimitBytes: integer('--body-limit', values['body-limit'] ?? env.HMS_SYNC_BODY_LIMIT ?? String(DEFAULT_BODY_LIMIT_BYTES), 1, 2 ** 31),
    maxConnections: integer('--max-connections', values['max-connections'] ?? env.HMS_SYNC_MAX_CONNECTIONS ?? String(DEFAULT_MAX_CONNECTIONS), 1, 2 ** 31),
    maxInflightBodyBytes: integer(
      '--max-inflight-body-bytes',
      values['max-inflight-body-bytes'] ?? env.HMS_SYNC_MAX_INFLIGHT_BODY_BYTES ?? String(DEFAULT_MAX_INFLIGHT_BODY_BYTES),
      1,
      2 ** 40,
    ),
    logLevel: values['log-level'] ?? env.HMS_SYNC_LOG_LEVEL ?? 'info',
    strict: values.strict ?? envFlag('HMS_SYNC_STRICT', env.HMS_SYNC_STRICT),
    retention: {
      deliveredMs: setting('--retain-delivered', values['retain-delivered'] ?? env.HMS_SYNC_RETAIN_DELIVERED, parseDuration, DEFAULT_RETENTION.deliveredMs),
      eventsMs: setting('--retain-events', values['retain-events'] ?? env.HMS_SYNC_RETAIN_EVENTS, parseDuration, DEFAULT_RETENTION.eventsMs),
      deadMs: setting('--retain-dead', values['retain-dead'] ?? env.HMS_SYNC_RETAIN_DEAD, parseDurationOrNever, DEFAULT_RETENTION.deadMs),
      maxStoreBytes,
    },
    help: values.help ?? false,
  };
}

/**
 * The store, first named of: --store, --data DIR (as sqlite:DIR), HMS_SYNC_STORE, HMS_SYNC_DATA,
 * sqlite:data. Flags win over variables as everywhere, and HMS_SYNC_STORE over HMS_SYNC_DATA (the
 * container image sets HMS_SYNC_DATA, a deployment on PostgreSQL sets HMS_SYNC_STORE). The two
 * flags naming different stores is a USAGE error, never a guess about which one was meant.
 */
function storeLocation(flags: { store?: string | undefined; data?: string | undefined }, env: Record<string, string | undefined>, schema: string): StoreLocation {
  const store = flags.store ?? (flags.data === undefined ? env.HMS_SYNC_STORE : undefined);
  const data = flags.data ?? env.HMS_SYNC_DATA;
  if (store === undefined) return { kind: 'sqlite', dataDir: data ?? 'data' };
  const location = parseStoreLocation(store, schema);
  if (flags.store !== undefined && flags.data !== undefined && !(location.kind === 'sqlite' && resolve(location.dataDir) === resolve(flags.data))) {
    throw new HmsError('USAGE', `--store is ${describeStoreLocation(location)} but --data is ${flags.data}: give one of them (--data DIR is short for --store sqlite:DIR)`);
  }
  return location;
}

/** A yes/no variable: 1, true or yes turn it on; 0, false, no or empty leave it off. */
function envFlag(name: string, text: string | undefined): boolean {
  const value = (text ?? '').trim().toLowerCase();
  if (['1', 'true', 'yes'].includes(value)) return true;
  if (['', '0', 'false', 'no'].includes(value)) return false;
  throw new HmsError('USAGE', `${name} must be 1 or 0 (true or false), got "${text}"`);
}

/** `text` parsed, or `fallback` when absent; a value that does not parse is a USAGE error naming the flag. */
function setting<T>(flag: string, text: string | undefined, parse: (text: string) => T, fallback: T): T {
  if (text === undefined) return fallback;
  try {
    return parse(text);
  } catch (error) {
    throw new HmsError('USAGE', `${flag} (env ${envName(flag)}): ${(error as Error).message}`);
  }
}

/** `--retain-dead` → `HMS_SYNC_RETAIN_DEAD`. */
function envName(flag: string): string {
  return `HMS_SYNC_${flag.slice(2).toUpperCase().replaceAll('-', '_')}`;
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HmsError('USAGE', `${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/**
 * A real PostgreSQL (Debian's postgresql, /usr/lib/postgresql/<version>/bin) in a temp directory,
 * listening on 127.0.0.1 and a free port, with trust authentication for the `postgres` user; under
 * a second to start. initdb and postgres refuse to run as root, so as root they run as the
 * `postgres` user, in a directory it owns. Durability is off (fsync, full_page_writes): tests
 * restart the server with a clean shutdown, never by crashing it. The bench asks for it on
 * (`durable`), to compare PostgreSQL's commits with SQLite's synchronous=FULL.
 *
 * Made for any test that needs PostgreSQL, one database per test file (`createDatabase`).
 */
import { execFileSync } from 'node:child_process';
import { chown, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../../bench/free-port.js';
import { tempDir } from '../temp-dir.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const INSTALL_ROOT = '/usr/lib/postgresql';

export interface PostgresDatabase {
  /** postgres://postgres@127.0.0.1:PORT/NAME */
  readonly url: string;
  readonly name: string;
  /** Drops the database (closing whatever is still connected to it). */
  drop(): Promise<void>;
}

export interface PostgresServer {
  /** The server's maintenance database, for creating others. */
  readonly adminUrl: string;
  /** Its data directory (postmaster.pid names the server's process). */
  readonly dataDir: string;
  createDatabase(prefix?: string): Promise<PostgresDatabase>;
  /** A clean (fast) shutdown, then a start on the same port and data. */
  restart(): Promise<void>;
  /** The first half of restart: a clean (fast) shutdown, keeping the port and the data. */
  halt(): Promise<void>;
  /** The second half: starts the halted server again. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export interface PostgresServerOptions {
  /** fsync and full_page_writes on, as a production server runs (default off, for tests). */
  readonly durable?: boolean;
}

export async function startPostgres(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const bin = await binDirectory();
  const dir = await tempDir('hms-sync-pg-');
  const runAs = postgresUser();
  if (runAs) await chown(dir.path, runAs.uid, runAs.gid);
  const data = join(dir.path, 'data');
  const run = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  execFileSync(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...run, stdio: 'pipe', cwd: dir.path });
  const port = await freePort();
  const durability = options.durable ? [] : ['-c', 'fsync=off', '-c', 'full_page_writes=off'];
  const args = ['-D', data, '-p', String(port), '-k', dir.path, '-c', 'listen_addresses=127.0.0.1', ...durability, '-c', 'max_connections=200'];
  const start = () => startServerProcess(join(bin, 'postgres'), args, {
    ...run,
    cwd: dir.path,
    what: 'postgres',
    readyLine: /database system is ready to accept connections/,
    timeoutMs: 15_000,
  });
  let server: ServerProcess | undefined = await start();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // SIGINT is PostgreSQL's fast shutdown: sessions are ended, the data is consistent.
  const halt = async () => {
    await server?.stop('SIGINT');
    server = undefined;
  };
  const resume = async () => {
    server ??= await start();
  };
  return {
    adminUrl,
    dataDir: data,
    createDatabase: (prefix) => createDatabase(adminUrl, prefix),
    async restart() {
      await halt();
      await resume();
    },
    halt,
    resume,
    async stop() {
      await server?.stop('SIGINT');
      server = undefined;
      await dir.cleanup();
    },
  };
}

let databasesCreated = 0;

/** A new, empty database on the server of `adminUrl`, named after `prefix` and this process. */
export async function createDatabase(adminUrl: string, prefix = 'test'): Promise<PostgresDatabase> {
  const name = `${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_${process.pid}_${++databasesCreated}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.href,
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
  };
}

/** Runs one statement against a server URL, on a connection of its own. */
export async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function binDirectory(): Promise<string> {
  const versions = await readdir(INSTALL_ROOT).catch(() => [] as string[]);
  const newest = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`PostgreSQL is not installed under ${INSTALL_ROOT} (Debian: apt-get install -y postgresql)`);
  return join(INSTALL_ROOT, newest, 'bin');
}

/** The `postgres` user's ids when running as root (initdb refuses root), else undefined. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

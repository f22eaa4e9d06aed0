/**
 * `npm test`: runs every test file under node's test runner with the servers the source tests
 * share started once for the whole run (RabbitMQ takes about 6 s to start; PostgreSQL gives each
 * test file a database of its own), their addresses passed in the environment
 * (shared-servers.ts), and stops them afterwards, whatever the outcome. A server that cannot start
 * is reported and left out; the tests that need it then start their own and say why they fail.
 *
 * Arguments, when given, are the test files to run (default: every dist/test/**\/*.test.js).
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres, type PostgresServer } from './helpers/servers/postgres-server.js';
import { startRabbitMq, type RabbitMq } from './helpers/servers/rabbitmq-server.js';
import { SHARED_POSTGRES_ENV, SHARED_RABBITMQ_ENV } from './helpers/servers/shared-servers.js';

/** Test files run at once (the machines have two cores). */
const TEST_CONCURRENCY = 2;
/** Longest a single test may run before it fails (the longest, the 3-replica fail-over, takes about
 * 100 s on a quiet machine): a test that hangs fails the run instead of stalling CI. With
 * --test-force-exit, a file whose tests have all ended exits even when something it started (a
 * server, a child process) is still open, rather than holding the run open for ever. */
const TEST_TIMEOUT_MS = 600_000;

const testRoot = fileURLToPath(new URL('.', import.meta.url));

async function testFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await testFiles(path)));
    else if (entry.name.endsWith('.test.js')) files.push(path);
  }
  return files.sort();
}

async function main(args: readonly string[]): Promise<number> {
  const files = args.length > 0 ? [...args] : (await testFiles(testRoot)).map((file) => relative(process.cwd(), file));
  const started = await Promise.allSettled([startRabbitMq(), startPostgres()]);
  const [rabbit, postgres] = started.map((result) => (result.status === 'fulfilled' ? result.value : undefined)) as [RabbitMq | undefined, PostgresServer | undefined];
  for (const result of started) {
    if (result.status === 'rejected') process.stderr.write(`run-tests: a shared server did not start; its tests will try their own: ${(result.reason as Error).message}\n`);
  }
  const env = {
    ...process.env,
    ...(rabbit && { [SHARED_RABBITMQ_ENV]: rabbit.url }),
    ...(postgres && { [SHARED_POSTGRES_ENV]: postgres.adminUrl }),
  };
  const stopServers = () => Promise.all([rabbit?.stop(), postgres?.stop()]);
  try {
    const child = spawn(process.execPath, ['--test', `--test-concurrency=${TEST_CONCURRENCY}`, `--test-timeout=${TEST_TIMEOUT_MS}`, '--test-force-exit', ...files], { env, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    return await new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    await stopServers();
  }
}

process.exitCode = await main(process.argv.slice(2));

/**
 * `hms-sync run`: the engine plus its HTTP API until SIGTERM or SIGINT, hot-reloading the
 * connectors and sources directories as they change, and on SIGHUP. Shutdown order: stop
 * accepting requests, drain the sources, let deliveries in flight finish (bounded), close the
 * store, exit 0.
 */
import { once } from 'node:events';
import { assertSafeBinding, tokensFrom, TOKEN_VARIABLES } from '../api/api-token.js';
import { buildServer } from '../api/server.js';
import { createEngine } from '../engine.js';
import { HmsError } from '../errors.js';
import { createLogger } from '../logger.js';
import { describeStoreLocation } from '../store/store-location.js';
import { RUN_USAGE } from './run-options.js';
import { runSettings } from './run-settings.js';

export async function runCommand(args: readonly string[], processEnv: Record<string, string | undefined>): Promise<number> {
  const { options, env, engineFile } = await runSettings(args, processEnv);
  if (options.help) {
    process.stdout.write(`${RUN_USAGE}\n`);
    return 0;
  }
  const tokens = tokensFrom(env);
  assertSafeBinding(options.host, tokens.api);
  const logger = createLogger({ level: options.logLevel });
  const unused = (['read', 'ingest', 'metrics'] as const).filter((role) => tokens[role] !== undefined && tokens.api === undefined);
  if (unused.length > 0) logger.warn({ unused: unused.map((role) => TOKEN_VARIABLES[role]) }, 'without HMS_SYNC_API_TOKEN the API asks no one for a token (it listens on loopback only), so these tokens are not used');
  // Start and stop lines are logged whatever the level: operators and supervisors wait for them.
  const lifecycle = logger.child({}, { level: 'info' });
  const engine = await createEngine({
    watch: true,
    connectorsDir: options.connectors,
    sourcesDir: options.sources,
    storeLocation: options.store,
    env,
    logger,
    sweepSchedule: options.sweep,
    leaseMs: options.leaseMs,
    leaseRenewMs: options.leaseRenewMs,
    retention: options.retention,
    strict: options.strict,
    ...(engineFile && { engineFile }),
  });
  const server = buildServer({
    engine,
    logger,
    apiToken: tokens.api,
    readToken: tokens.read,
    ingestToken: tokens.ingest,
    metricsToken: tokens.metrics,
    bodyLimitBytes: options.bodyLimitBytes,
    maxConnections: options.maxConnections,
    maxInflightBodyBytes: options.maxInflightBodyBytes,
  });
  try {
    const address = await server.listen({ port: options.port, host: options.host });
    lifecycle.info({ address, connectors: options.connectors, store: describeStoreLocation(options.store) }, `listening on ${address}`);
  } catch (error) {
    await engine.close();
    throw listenFailure(error, options.host, options.port);
  }

  // SIGHUP re-reads the connectors directory at once, as it does for Vector or nginx: for file
  // systems whose changes the watcher never hears of (NFS, SMB). Unhandled, it would kill the engine.
  let stopping = false;
  const reloadOnHangup = () => {
    if (stopping) return;
    lifecycle.info({ signal: 'SIGHUP' }, 'reloading connectors and sources');
    void engine.reload().catch((error: unknown) => logger.error({ err: error }, 'reload failed; the configuration in force keeps serving'));
  };
  process.on('SIGHUP', reloadOnHangup);

  const signal = await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
  stopping = true;
  lifecycle.info({ signal: signal[0] ?? 'signal' }, 'shutting down');
  process.once('SIGTERM', () => process.exit(1));
  process.once('SIGINT', () => process.exit(1));
  await server.close();
  await engine.close();
  logger.flush();
  return 0;
}

/** What an operator can fix about the address (taken, privileged, not this machine's) said in one line. */
function listenFailure(error: unknown, host: string, port: number): unknown {
  const hints: Record<string, string> = {
    EADDRINUSE: 'another process uses it; stop that process or pick another --port (HMS_SYNC_PORT)',
    EACCES: 'this user may not listen there (ports below 1024 need privileges); pick another --port (HMS_SYNC_PORT)',
    EADDRNOTAVAIL: 'the host is not an address of this machine; pick another --host (HMS_SYNC_HOST)',
  };
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const hint = code === undefined ? undefined : hints[code];
  if (hint === undefined) return error;
  return new HmsError('LISTEN_FAILED', `cannot listen on ${host}:${port} (${code}): ${hint}`, { cause: error });
}

/**
 * A real nats-server with JetStream (Debian's `nats-server`, started with -js) on 127.0.0.1 and a
 * free port, storing in a temp directory; about 0.1 s to start. `restart` stops it and starts it
 * again on the same port and store, as a broker restart in production would.
 */
import { existsSync } from 'node:fs';
import { freePort } from '../../../bench/free-port.js';
import { tempDir } from '../temp-dir.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

export interface NatsServer {
  /** nats://127.0.0.1:PORT */
  readonly url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface NatsServerOptions {
  /** Clients must present this token. */
  readonly token?: string;
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((path) => existsSync(path)) ?? 'nats-server';
  const dir = await tempDir('hms-sync-nats-');
  const port = await freePort();
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir.path, ...(options.token === undefined ? [] : ['--auth', options.token])];
  const start = () => startServerProcess(binary, args, {
    what: `nats-server (${binary}; Debian: apt-get install -y nats-server)`,
    readyLine: /Server is ready/,
    timeoutMs: 10_000,
  });
  let server: ServerProcess | undefined = await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    async restart() {
      await server?.stop();
      server = await start();
    },
    async stop() {
      await server?.stop();
      server = undefined;
      await dir.cleanup();
    },
  };
}

/**
 * A real RabbitMQ (Debian's rabbitmq-server) in a temp directory, AMQP on 127.0.0.1 and a free
 * port, with its own epmd on another free port (so nothing is left running and nothing is shared
 * with a system RabbitMQ); the default guest user may connect from 127.0.0.1. It takes about 6 s
 * to start, so the test wrapper (test/run-tests.ts) starts one for the whole run.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../../bench/free-port.js';
import { tempDir } from '../temp-dir.js';
import { portOpen, startServerProcess, type ServerProcess } from './server-process.js';

const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export interface RabbitMq {
  /** amqp://guest:guest@127.0.0.1:PORT */
  readonly url: string;
  /** A clean stop, then a start on the same port and data (durable queues and their messages survive). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRabbitMq(): Promise<RabbitMq> {
  if (!existsSync(RABBITMQ_SERVER)) throw new Error(`RabbitMQ is not installed (${RABBITMQ_SERVER}; Debian: apt-get install -y rabbitmq-server)`);
  const dir = await tempDir('hms-sync-rabbitmq-');
  const [amqpPort, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  await writeFile(join(dir.path, 'rabbitmq.conf'), `listeners.tcp.1 = 127.0.0.1:${amqpPort}\nloopback_users = none\n`);
  await writeFile(join(dir.path, 'enabled_plugins'), '[].\n');
  const env = {
    ...process.env,
    HOME: dir.path,
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_NODENAME: `hms-sync-${amqpPort}@localhost`,
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: join(dir.path, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir.path, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir.path, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir.path, 'log'),
    RABBITMQ_PID_FILE: join(dir.path, 'rabbitmq.pid'),
    RABBITMQ_LOGS: '-',
  };
  const epmd = await startServerProcess('epmd', ['-port', String(epmdPort), '-address', '127.0.0.1'], {
    env,
    what: 'epmd',
    readyCheck: () => portOpen(epmdPort),
    timeoutMs: 5_000,
  });
  const start = () => startServerProcess(RABBITMQ_SERVER, [], {
    env,
    cwd: dir.path,
    what: 'rabbitmq-server',
    readyLine: /Server startup complete/,
    timeoutMs: 90_000,
  });
  let server: ServerProcess | undefined;
  try {
    server = await start();
  } catch (error) {
    await epmd.stop();
    await dir.cleanup();
    throw error;
  }
  return {
    url: `amqp://guest:guest@127.0.0.1:${amqpPort}`,
    async restart() {
      await server?.stop('SIGTERM', 60_000);
      server = await start();
    },
    async stop() {
      await server?.stop('SIGTERM', 60_000);
      server = undefined;
      await epmd.stop();
      await dir.cleanup();
    },
  };
}

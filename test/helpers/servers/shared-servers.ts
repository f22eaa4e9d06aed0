/**
 * Servers a test file uses: the run's shared ones when test/run-tests.ts started them (their
 * addresses are in the environment), or the file's own otherwise, so a test file run alone with
 * `node --test dist/test/...` still works. RabbitMQ takes seconds to start, so it is shared;
 * a test that restarts a broker starts one of its own instead, never restarting a shared one.
 */
import { createDatabase, startPostgres } from './postgres-server.js';
import { startRabbitMq } from './rabbitmq-server.js';

/** Set by test/run-tests.ts for the test processes it runs. */
export const SHARED_RABBITMQ_ENV = 'HMS_TEST_RABBITMQ_URL';
export const SHARED_POSTGRES_ENV = 'HMS_TEST_POSTGRES_URL';

export interface Borrowed {
  readonly url: string;
  /** Releases it: stops the server when it is the file's own. */
  close(): Promise<void>;
}

export async function borrowRabbitMq(): Promise<Borrowed> {
  const shared = process.env[SHARED_RABBITMQ_ENV];
  if (shared) return { url: shared, close: async () => undefined };
  const own = await startRabbitMq();
  return { url: own.url, close: () => own.stop() };
}

/** A fresh database for this test file (dropped on close), on the shared server or the file's own. */
export async function borrowPostgresDatabase(prefix: string): Promise<Borrowed> {
  const shared = process.env[SHARED_POSTGRES_ENV];
  if (shared) {
    const database = await createDatabase(shared, prefix);
    return { url: database.url, close: () => database.drop() };
  }
  const own = await startPostgres();
  const database = await own.createDatabase(prefix);
  return { url: database.url, close: () => own.stop() };
}

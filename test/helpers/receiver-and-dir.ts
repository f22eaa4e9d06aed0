/**
 * For suites that run the engine as a child process: one real receiver and one temporary
 * directory for the whole suite, started before its first test and removed after its last. Call at
 * the top level of a test file or inside `describe`; it registers the hooks.
 */
import { after, before } from 'node:test';
import { startReceiver, type Receiver, type Responder } from './receiver.js';
import { tempDir } from './temp-dir.js';

export interface ReceiverAndDir {
  readonly receiver: Receiver;
  readonly dir: Awaited<ReturnType<typeof tempDir>>;
}

export function useReceiverAndDir(respond?: Responder): ReceiverAndDir {
  let started: ReceiverAndDir | undefined;
  before(async () => {
    started = { receiver: await startReceiver(respond), dir: await tempDir() };
  });
  after(async () => {
    await started?.receiver.close();
    await started?.dir.cleanup();
  });
  const get = () => {
    if (!started) throw new Error("the receiver and directory start in the suite's before hook");
    return started;
  };
  return {
    get receiver() {
      return get().receiver;
    },
    get dir() {
      return get().dir;
    },
  };
}

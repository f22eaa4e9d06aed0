/**
 * The usual shape of an engine test suite: one real receiver for the whole suite, and at most one
 * engine per test, closed after it. Call inside `describe`; it registers the hooks.
 */
import { after, afterEach, before } from 'node:test';
import { startReceiver, type Receiver, type Responder } from './receiver.js';
import type { TestEngine } from './test-engine.js';

export interface EngineFixture {
  /** The suite's receiver; its requests are cleared and its answers reset after each test. */
  readonly receiver: Receiver;
  /** The test's engine, if it started one; closed after the test. */
  harness: TestEngine | undefined;
}

export function useEngineFixture(respond: Responder = () => 200): EngineFixture {
  let receiver: Receiver | undefined;
  const fixture: EngineFixture = {
    get receiver() {
      if (!receiver) throw new Error('the receiver starts in the suite\'s before hook');
      return receiver;
    },
    harness: undefined,
  };
  before(async () => {
    receiver = await startReceiver(respond);
  });
  after(async () => {
    await receiver?.close();
  });
  afterEach(async () => {
    await fixture.harness?.close();
    fixture.harness = undefined;
    if (receiver) {
      receiver.requests.length = 0;
      receiver.respond = respond;
    }
  });
  return fixture;
}

/**
 * The usual shape of a NATS source test suite: one nats-server and one receiver for the whole
 * suite; per test, at most one engine and one stream, closed after it. Call inside `describe`; it
 * registers the hooks.
 */
import { after, afterEach, before } from 'node:test';
import { startReceiver, type Receiver } from '../receiver.js';
import type { SourceEngine } from '../source-engine.js';
import { startNatsServer, type NatsServer } from './nats-server.js';
import { createNatsStream, type NatsStream } from './nats-stream.js';

export interface NatsSuite {
  readonly nats: NatsServer;
  readonly receiver: Receiver;
  /** The test's engine, closed after it. */
  harness: SourceEngine | undefined;
  /** The test's stream client, closed after it. */
  bus: NatsStream | undefined;
  /** A new stream `<PREFIX><n>` taking subjects `<prefix><n>.>`, as `bus`; `subject` is one of them. */
  newStream(prefix: string): Promise<{ readonly name: string; readonly subject: string; readonly bus: NatsStream }>;
}

export function useNatsSuite(): NatsSuite {
  let servers: { nats: NatsServer; receiver: Receiver } | undefined;
  let streams = 0;
  const started = () => {
    if (!servers) throw new Error("the NATS server and receiver start in the suite's before hook");
    return servers;
  };
  const suite: NatsSuite = {
    get nats() {
      return started().nats;
    },
    get receiver() {
      return started().receiver;
    },
    harness: undefined,
    bus: undefined,
    async newStream(prefix) {
      const name = `${prefix}${++streams}`;
      const bus = await createNatsStream(started().nats.url, name, [`${name.toLowerCase()}.>`]);
      suite.bus = bus;
      return { name, subject: `${name.toLowerCase()}.approved`, bus };
    },
  };
  before(async () => {
    const [nats, receiver] = await Promise.all([startNatsServer(), startReceiver()]);
    servers = { nats, receiver };
  });
  after(async () => {
    await servers?.receiver.close();
    await servers?.nats.stop();
  });
  afterEach(async () => {
    await suite.harness?.close();
    await suite.bus?.close();
    suite.harness = undefined;
    suite.bus = undefined;
    if (servers) servers.receiver.requests.length = 0;
  });
  return suite;
}

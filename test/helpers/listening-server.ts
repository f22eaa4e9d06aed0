/**
 * The HTTP API over a real socket for one suite: an in-process engine (a sink connector that
 * matches no event) behind buildServer, listening on 127.0.0.1 and a free port. For tests where
 * the socket matters (timeouts, connection caps); the others use `inject`. Call inside `describe`.
 */
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { buildServer, type ServerOptions } from '../../engine/api/server.js';
import { startTestEngine, type TestEngine } from './test-engine.js';

export interface ListeningServer {
  readonly harness: TestEngine;
  readonly app: ReturnType<typeof buildServer>;
  readonly port: number;
}

export function useListeningServer(options: Omit<ServerOptions, 'engine' | 'logger'>): ListeningServer {
  let state: ListeningServer | undefined;
  const current = (): ListeningServer => state ?? assertStarted();
  before(async () => {
    const harness = await startTestEngine({ 'sink.yaml': 'name: sink\ntarget:\n  url: http://127.0.0.1:9\nroutes:\n  - on: nomatch\n' });
    const app = buildServer({ engine: harness.engine, logger: harness.logs.logger, ...options });
    await app.listen({ port: 0, host: '127.0.0.1' });
    state = { harness, app, port: (app.server.address() as AddressInfo).port };
  });
  after(async () => {
    await state?.app.close();
    await state?.harness.close();
  });
  return {
    get harness() {
      return current().harness;
    },
    get app() {
      return current().app;
    },
    get port() {
      return current().port;
    },
  };
}

function assertStarted(): never {
  throw new Error('the server starts in the suite\'s before hook');
}

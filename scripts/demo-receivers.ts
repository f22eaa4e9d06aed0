/**
 * Stand-ins for the three external systems of the demo: node:http servers on 127.0.0.1 and random
 * ports that print one readable line per request (system, method, path, body) and answer 200 —
 * except the system named in `failFirst`, whose first request gets a 503 to show a retry.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Longest body shown on one line, in characters. */
const SHOWN_BODY_CHARS = 130;
/** Width of the system-name column, shared with the demo's own lines. */
export const NAME_COLUMN_CHARS = 16;

export interface StandIn {
  readonly name: string;
  readonly url: string;
  /** Requests received so far. */
  received(): number;
}

export interface StandIns {
  readonly systems: readonly StandIn[];
  /** Closes every server and connection. Idempotent. */
  close(): Promise<void>;
}

export async function startStandIns(names: readonly string[], failFirst: string, print: (line: string) => void): Promise<StandIns> {
  const servers: Server[] = [];
  const systems: StandIn[] = [];
  for (const name of names) {
    let count = 0;
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        count += 1;
        const fail = name === failFirst && count === 1;
        const shown = body.length === 0 ? '(no body)' : body.length > SHOWN_BODY_CHARS ? `${body.slice(0, SHOWN_BODY_CHARS)}...` : body;
        print(`  ${name.padEnd(NAME_COLUMN_CHARS)} <- ${req.method} ${req.url} ${shown}${fail ? '   => 503 (fails once, on purpose)' : ''}`);
        res.writeHead(fail ? 503 : 200, { 'content-type': 'application/json' }).end(fail ? '{"error":"temporarily unavailable"}' : '{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    systems.push({ name, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received: () => count });
  }
  let closing: Promise<void> | undefined;
  return {
    systems,
    close() {
      closing ??= Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      ).then(() => undefined);
      return closing;
    },
  };
}

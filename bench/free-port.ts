/** Free TCP ports on 127.0.0.1, found by binding port 0 and closing again. */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * Resolves with a port that was free a moment ago. Nothing listens on it afterwards, so it also
 * serves as a "receiver down" address; another process could take it in between (unlikely on a
 * bench machine, and the caller then sees a connection error, not wrong figures).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

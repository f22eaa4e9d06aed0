/**
 * A real OAuth2 token endpoint (client credentials) on 127.0.0.1 and a random port. Issues
 * `access-1`, `access-2`, ... and records each token request's form fields. `respond` can
 * replace the answer (to fail the endpoint); `delayMs` holds each answer so concurrent callers
 * overlap.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenRequest {
  readonly contentType: string | undefined;
  readonly fields: Readonly<Record<string, string>>;
}

export interface OAuth2Server {
  readonly tokenUrl: string;
  readonly requests: TokenRequest[];
  /** Every token issued so far, oldest first. */
  readonly issued: string[];
  expiresInSeconds: number;
  delayMs: number;
  /** When set, answers with this status and body instead of a token. */
  failWith?: { status: number; body: string } | undefined;
  close(): Promise<void>;
}

export async function startOAuth2Server(): Promise<OAuth2Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const fields = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      state.requests.push({ contentType: req.headers['content-type'], fields });
      const answer = () => {
        if (state.failWith) {
          res.writeHead(state.failWith.status, { 'content-type': 'application/json' }).end(state.failWith.body);
          return;
        }
        const token = `access-${state.issued.length + 1}`;
        state.issued.push(token);
        const body = JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: state.expiresInSeconds });
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      };
      if (state.delayMs > 0) setTimeout(answer, state.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const state: OAuth2Server = {
    tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`,
    requests: [],
    issued: [],
    expiresInSeconds: 3600,
    delayMs: 0,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return state;
}

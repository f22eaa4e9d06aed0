/**
 * A real HTTPS receiver on 127.0.0.1 and a random port that demands a client certificate signed
 * by `ca` (requestCert and rejectUnauthorized): a client without one never gets a response.
 * Records each request with the common name of the certificate it presented.
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface HttpsReceiver {
  readonly url: string;
  readonly requests: { readonly url: string; readonly clientCommonName: string | undefined; readonly body: string }[];
  close(): Promise<void>;
}

export async function startHttpsReceiver(tls: { cert: string; key: string; ca: string }): Promise<HttpsReceiver> {
  const requests: HttpsReceiver['requests'] = [];
  const server = createServer({ ...tls, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const subject = (req.socket as TLSSocket).getPeerCertificate().subject as { CN?: string } | undefined;
      requests.push({ url: req.url ?? '', clientCommonName: subject?.CN, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end('ok');
    });
  });
  // A refused handshake is the expected outcome of some tests, not a failure of the receiver.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

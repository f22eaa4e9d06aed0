/**
 * Test helper: PEM texts for loading tests. The key is a real EC key from node:crypto; the
 * certificates are PEM-framed random bytes, since loading checks only the framing (node:crypto
 * cannot issue X.509 certificates, and the TLS handshake is the dispatcher's tests' business).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface PemFixture {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export function pemFixture(): PemFixture {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    cert: pemBlock('CERTIFICATE', randomBytes(300)),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    ca: pemBlock('CERTIFICATE', randomBytes(300)) + pemBlock('CERTIFICATE', randomBytes(280)),
  };
}

export function pemBlock(label: string, bytes: Uint8Array): string {
  const body = Buffer.from(bytes).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/**
 * Certificates for mutual TLS tests, made fresh per run with the openssl CLI (node:crypto cannot
 * issue X.509 certificates): a CA, a server certificate for 127.0.0.1 and a client certificate,
 * both signed by the CA. EC P-256 keys, valid for two days.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);

export interface TlsFixture {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function createTlsFixture(): Promise<TlsFixture> {
  const dir = await tempDir('hms-sync-tls-');
  const at = (name: string) => join(dir.path, name);
  try {
    await openssl('req', '-x509', ...NEW_KEY, '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '2', '-subj', '/CN=hms-sync test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    await issue(dir, at, 'server', '/CN=127.0.0.1', 2, 'extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n');
    await issue(dir, at, 'client', '/CN=hms-sync test client', 3, 'extendedKeyUsage=clientAuth\n');
    const read = (name: string) => readFile(at(name), 'utf8');
    return {
      ca: await read('ca.pem'),
      serverCert: await read('server.pem'),
      serverKey: await read('server.key'),
      clientCert: await read('client.pem'),
      clientKey: await read('client.key'),
    };
  } finally {
    await dir.cleanup();
  }
}

async function issue(dir: Awaited<ReturnType<typeof tempDir>>, at: (name: string) => string, name: string, subject: string, serial: number, extensions: string): Promise<void> {
  const ext = await dir.write(`${name}.ext`, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n${extensions}`);
  await openssl('req', '-new', ...NEW_KEY, '-keyout', at(`${name}.key`), '-out', at(`${name}.csr`), '-subj', subject);
  await openssl('x509', '-req', '-in', at(`${name}.csr`), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-set_serial', String(serial), '-days', '2',
    '-out', at(`${name}.pem`), '-extfile', ext);
}

async function openssl(...args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') throw new Error('the openssl CLI is needed to make test certificates (Debian: apt-get install -y openssl)');
    throw error;
  }
}

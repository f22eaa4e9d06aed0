import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LoadResult } from '../../../engine/config/compiled.js';
import { loadConnectors } from '../../../engine/config/load/load-connectors.js';
import { pemProblem } from '../../../engine/config/compile/read-tls.js';
import { connectorDir, lines } from '../connector-dir.js';
import { pemBlock, pemFixture } from '../pem-fixture.js';

/** A connector whose `tls:` lines start at line 4. */
function connector(tls: string[], url = 'https://legacy.example.test'): string {
  return lines('name: mtls', 'target:', `  url: ${url}`, ...tls, 'routes:', '  - on: permitApproved');
}

const summary = (result: LoadResult) => result.problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.message}`);

test('tls files are read at load, relative to the connector file, and the key is a secret', async (t) => {
  const pem = pemFixture();
  const dir = await connectorDir(t, {
    'c.yaml': connector(['tls:', '  cert: certs/client.pem', '  key: certs/client.key', '  ca: certs/ca.pem']),
    'certs/client.pem': pem.cert,
    'certs/client.key': pem.key,
    'certs/ca.pem': pem.ca,
  });
  const result = await loadConnectors(dir, { env: {} });
  assert.deepEqual(result.problems, []);
  const [c] = result.connectors;
  assert.deepEqual(c?.tls, { cert: pem.cert, key: pem.key, ca: pem.ca });
  assert.deepEqual(c?.secrets, [pem.key]);
  assert.ok(Object.isFrozen(c?.tls));
});

test('tls paths may come from the environment; ca alone is enough', async (t) => {
  const pem = pemFixture();
  const certs = await connectorDir(t, { 'ca.pem': pem.ca });
  const dir = await connectorDir(t, { 'c.yaml': connector(['tls:', '  ca: ${env:CA_FILE}']) });
  const result = await loadConnectors(dir, { env: { CA_FILE: join(certs, 'ca.pem') } });
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.connectors[0]?.tls, { ca: pem.ca });
});

test('a missing tls file is CONFIG_SECRET_FILE at its path, naming where it was looked for', async (t) => {
  const pem = pemFixture();
  const dir = await connectorDir(t, { 'c.yaml': connector(['tls:', '  cert: client.pem', '  key: client.key']), 'client.key': pem.key });
  const result = await loadConnectors(dir, { env: {} });
  assert.deepEqual(summary(result), [
    `5:9 CONFIG_SECRET_FILE tls.cert: "client.pem" (${join(dir, 'client.pem')}) does not exist; fix the path (relative paths start at the directory of the file that names it) or mount the file there`,
  ]);
});

test('a file that is not the right PEM is a problem that never quotes its content', async (t) => {
  const pem = pemFixture();
  const dir = await connectorDir(t, {
    'c.yaml': connector(['tls:', '  cert: client.key', '  key: not-pem.txt', '  ca: /dev/null']),
    'client.key': pem.key,
    'not-pem.txt': 'secret-looking-text\n',
  });
  const result = await loadConnectors(dir, { env: {} });
  assert.deepEqual(summary(result), [
    `5:9 CONFIG_SECRET_FILE tls.cert: "client.key" (${join(dir, 'client.key')}) holds PRIVATE KEY but not a certificate (-----BEGIN CERTIFICATE-----)`,
    `6:8 CONFIG_SECRET_FILE tls.key: "not-pem.txt" (${join(dir, 'not-pem.txt')}) is not a PEM file; it must hold a private key (-----BEGIN PRIVATE KEY-----)`,
    '7:7 CONFIG_SECRET_FILE tls.ca: "/dev/null" is not a PEM file; it must hold one or more CA certificates (-----BEGIN CERTIFICATE-----)',
  ]);
});

test('PEM checks: labels per field, encrypted keys refused', () => {
  const { key, cert } = pemFixture();
  const encrypted = pemBlock('ENCRYPTED PRIVATE KEY', randomBytes(64));
  const legacyEncrypted = '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n';
  assert.equal(pemProblem('key', key), undefined);
  assert.equal(pemProblem('key', pemBlock('RSA PRIVATE KEY', randomBytes(64))), undefined);
  assert.equal(pemProblem('key', pemBlock('EC PRIVATE KEY', randomBytes(64))), undefined);
  assert.equal(pemProblem('cert', cert), undefined);
  assert.equal(pemProblem('ca', cert + cert), undefined);
  assert.match(pemProblem('key', encrypted) ?? '', /is an encrypted key/);
  assert.match(pemProblem('key', legacyEncrypted) ?? '', /is an encrypted key/);
  assert.match(pemProblem('key', key + key) ?? '', /more than one private key/);
  assert.match(pemProblem('cert', '-----BEGIN CERTIFICATE-----\nAAAA\n') ?? '', /is not a PEM file/);
});

test('env-optional loads skip unreadable tls files but still check readable ones', async (t) => {
  const dir = await connectorDir(t, {
    'c.yaml': connector(['tls:', '  cert: /run/secrets/hms-test-absent.pem', '  key: /run/secrets/hms-test-absent.key', '  ca: ca.pem']),
    'ca.pem': 'not a certificate',
  });
  const result = await loadConnectors(dir, { env: {}, envOptional: true });
  assert.deepEqual(result.problems.map((p) => [p.line, p.column, p.code]), [[7, 7, 'CONFIG_SECRET_FILE']]);
  const fixed = await connectorDir(t, { 'c.yaml': connector(['tls:', '  cert: ${env:CERT}', '  key: /run/secrets/hms-test-absent.key']) });
  const loaded = await loadConnectors(fixed, { env: {}, envOptional: true });
  assert.deepEqual(loaded.problems, []);
  assert.deepEqual(loaded.connectors[0]?.tls, {});
});

test('tls needs an https target; cert and key go together', async (t) => {
  const pem = pemFixture();
  const dir = await connectorDir(t, { 'c.yaml': connector(['tls:', '  ca: ca.pem'], 'http://plain.example.test'), 'ca.pem': pem.ca });
  assert.deepEqual(summary(await loadConnectors(dir, { env: {} })), [
    '4:1 CONFIG_SCHEMA tls: mutual TLS needs an https target, and target.url uses http; change it to https:// or remove tls',
  ]);
  const half = await connectorDir(t, { 'c.yaml': connector(['tls:', '  cert: client.pem']) });
  assert.deepEqual(summary(await loadConnectors(half, { env: {} })), [
    '5:3 CONFIG_SCHEMA tls: missing field "key": cert and key go together; add it, or remove cert',
  ]);
});

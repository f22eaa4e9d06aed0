import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { formatProblem } from '../../engine/config/problems/format-problem.js';
import { loadConnectors } from '../../engine/config/load/load-connectors.js';
import { repoPath } from './connector-dir.js';
import { pemFixture } from './pem-fixture.js';
import { runCli } from '../helpers/engine-process.js';

const EXAMPLES = repoPath('docs', 'examples');
const SECRET_MOUNT = '/run/secrets/';

test('every example in docs/examples loads with zero problems, as validate --env-optional would', async () => {
  const files = (await readdir(EXAMPLES)).filter((name) => name.endsWith('.yaml')).sort();
  const result = await loadConnectors(EXAMPLES, { env: {}, envOptional: true, reportLiteralSecrets: true });
  assert.deepEqual(result.problems.map(formatProblem), []);
  assert.equal(result.connectors.length, files.length);
  for (const file of files) {
    const text = await readFile(join(EXAMPLES, file), 'utf8');
    assert.ok(text.startsWith('# yaml-language-server: $schema=../../schemas/connector.schema.json\n'), `${file} starts with the schema line`);
  }
});

test('docs/examples has one connector for each kind of target', async () => {
  const { connectors } = await loadConnectors(EXAMPLES, { env: {}, envOptional: true });
  const byName = new Map(connectors.map((c) => [c.name, c]));
  assert.equal(byName.get('scheduling-saas')?.auth?.type, 'oauth2');
  assert.equal(byName.get('warehouse-ndjson')?.routes[0]?.format, 'ndjson');
  assert.ok(byName.get('warehouse-ndjson')?.routes[0]?.batch);
  assert.ok(byName.get('permit-registry-soap')?.source.tls);
  assert.equal(byName.get('permit-registry-soap')?.routes[0]?.contentType, 'text/xml; charset=utf-8');
  assert.equal(byName.get('fee-portal-form')?.routes[0]?.format, 'form');
  assert.equal(byName.get('fee-portal-form')?.auth?.type, 'basic');
  assert.equal(byName.get('partner-webhooks')?.signing?.secrets.length, 2);
  assert.ok(byName.get('dead-letter-alerts')?.routes[0]?.matchesType('sync.dead'));
  for (const name of ['influxdb-line-protocol', 'warehouse-csv', 'search-bulk']) {
    const route = byName.get(name)?.routes[0];
    assert.equal(route?.format, 'lines', name);
    assert.ok(route?.batch && route.contentType && route.query?.readsInput === false, `${name} batches text with a fixed query`);
  }
  assert.equal(byName.get('warehouse-csv')?.routes[0]?.batch?.header, 'permit_id,approved_date,address,inspector,fee');
});

test('the tests of the examples pass under hms-sync test, showing the text bodies they send', async () => {
  const result = await runCli(['test', EXAMPLES]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^✓ influxdb-line-protocol: /m);
  assert.match(result.stdout, /^✓ warehouse-csv: /m);
  assert.match(result.stdout, /^✓ search-bulk: /m);
});

test('with the secrets mounted, every file reference of the examples resolves and compiles', async () => {
  const pem = pemFixture();
  const mounted = new Map<string, string>();
  // A stand-in for /run/secrets: PEM for certificates and keys, a whsec_ secret for signing, text otherwise.
  const contentFor = (name: string): string => {
    if (name.endsWith('.key')) return pem.key;
    if (name.endsWith('.pem')) return name.includes('ca') ? pem.ca : pem.cert;
    if (name.startsWith('whsec')) return `whsec_${randomBytes(24).toString('base64')}\n`;
    if (name.endsWith('-url')) return `https://chat.example.test/hooks/${randomBytes(12).toString('hex')}\n`;
    return `secret-${name}-${randomBytes(6).toString('hex')}\n`;
  };
  const secretMount = async (path: string): Promise<Uint8Array> => {
    if (!path.startsWith(SECRET_MOUNT)) return readFile(path);
    const text = mounted.get(path) ?? contentFor(basename(path));
    mounted.set(path, text);
    return Buffer.from(text);
  };
  const result = await loadConnectors(EXAMPLES, { env: {}, readFile: secretMount });
  assert.deepEqual(result.problems.map(formatProblem), []);
  const byName = new Map(result.connectors.map((c) => [c.name, c]));

  const soap = byName.get('permit-registry-soap');
  assert.deepEqual(soap?.tls, { cert: pem.cert, key: pem.key, ca: pem.ca });
  assert.ok(soap?.secrets.includes(pem.key));
  const token = mounted.get('/run/secrets/warehouse/ingest-token')?.trimEnd();
  assert.ok(token !== undefined && byName.get('warehouse-ndjson')?.secrets.includes(token));
  assert.deepEqual(byName.get('warehouse-ndjson')?.auth, { type: 'bearer', token });
  const oauth = byName.get('scheduling-saas')?.auth;
  assert.equal(oauth?.type === 'oauth2' && oauth.clientSecret, mounted.get('/run/secrets/scheduling/client-secret')?.trimEnd());
  assert.ok(byName.get('partner-webhooks')?.signing?.secrets.every((secret) => secret.startsWith('whsec_')));
  assert.ok(byName.get('dead-letter-alerts')?.secrets.includes(byName.get('dead-letter-alerts')?.target.url ?? '-'));

  // Unmounted, a strict load (hms-sync run) names each missing secret file at its reference.
  const strict = await loadConnectors(EXAMPLES, { env: {}, readFile: async (path) => {
    if (path.startsWith(SECRET_MOUNT)) throw Object.assign(new Error('absent'), { code: 'ENOENT' });
    return readFile(path);
  } });
  assert.ok(strict.problems.every((p) => p.code === 'CONFIG_SECRET_FILE' && p.line > 0));
  // One per reference; the chat URL has a default.
  const perFile = new Map<string, number>();
  for (const problem of strict.problems) perFile.set(basename(problem.file), (perFile.get(basename(problem.file)) ?? 0) + 1);
  assert.deepEqual([...perFile], [
    ['fee-portal-form.yaml', 1],
    ['influxdb-line-protocol.yaml', 1],
    ['partner-webhooks.yaml', 2],
    ['permit-registry-soap.yaml', 3],
    ['scheduling-oauth2.yaml', 1],
    ['search-bulk.yaml', 1],
    ['warehouse-csv.yaml', 1],
    ['warehouse-ndjson.yaml', 1],
  ]);
});

test('the example mappings produce the bodies their comments describe', async () => {
  const { connectors } = await loadConnectors(EXAMPLES, { env: {}, envOptional: true });
  const byName = new Map(connectors.map((c) => [c.name, c]));
  const approved = { type: 'permitApproved', id: 'evt-1001', permitId: 'P<17>', approvedDate: '2024-06-01', address: '1 Main St & Co', fee: 120.5, inspectionRequired: true };
  const xml = await byName.get('permit-registry-soap')?.routes[0]?.map?.evaluate(approved);
  assert.equal(typeof xml, 'string');
  assert.match(String(xml), /<PermitNumber>P&lt;17&gt;<\/PermitNumber>.*<Address>1 Main St &amp; Co<\/Address>/);
  const form = json(await byName.get('fee-portal-form')?.routes[0]?.map?.evaluate(approved));
  assert.deepEqual(form, { permit_no: 'P<17>', amount: '120.50', approved: '2024-06-01' });
  assert.deepEqual(json(await byName.get('fee-portal-form')?.routes[0]?.query?.evaluate(approved)), { permit: 'P<17>' });
  const dead = { type: 'sync.dead', eventId: 'e-1', connector: 'scheduling-saas', route: 'book-slot', attempts: 11, lastStatus: 503 };
  const alert = json(await byName.get('dead-letter-alerts')?.routes[0]?.map?.evaluate(dead)) as { text: string };
  assert.equal(alert.text, 'hms-sync gave up on event e-1 for scheduling-saas (route book-slot) after 11 attempts; last status 503. See GET /events/e-1.');
  const unreachable = json(await byName.get('dead-letter-alerts')?.routes[0]?.map?.evaluate({ ...dead, lastStatus: null })) as { text: string };
  assert.match(unreachable.text, /after 11 attempts; last status none\./);
  const key = byName.get('scheduling-saas')?.orderingKey;
  assert.equal(await key?.evaluate(approved), 'P<17>');
  // The cancellation of the same permit is another event (its own id) with the same ordering key.
  const cancelled = { type: 'permitCancelled', id: 'evt-1002', permitId: 'P<17>', cancelledDate: '2024-06-02' };
  assert.equal(await key?.evaluate(cancelled), 'P<17>');
  const row = json(await byName.get('warehouse-ndjson')?.routes[0]?.map?.evaluate(cancelled));
  assert.deepEqual(row, { eventType: 'permitCancelled', eventId: 'evt-1002', permitId: 'P<17>', occurredAt: '2024-06-02', attributes: { cancelledDate: '2024-06-02' } });
});

/** JSONata builds objects without a prototype; compare their JSON. */
function json(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

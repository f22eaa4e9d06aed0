import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatProblem } from '../../../engine/config/problems/format-problem.js';
import { loadSourceFiles, loadSources } from '../../../engine/config/sources/load-sources.js';
import { connectorDir, lines } from '../connector-dir.js';

const nats = lines('name: permits-bus', 'type: nats', 'nats:', '  stream: PERMITS', '  consumer: hms-sync');
const amqp = lines('name: permits-queue', 'type: amqp', 'amqp:', '  url: ${env:AMQP_URL}', '  queue: permits');
const outbox = lines('name: permits-outbox', 'type: postgres-outbox', 'postgres-outbox:', '  url: ${env:DATABASE_URL}');
/** An amqp source with a wrong URL scheme, binding keys without an exchange, and a nats block too. */
const MIXED_UP = ['type: amqp', 'amqp:', '  url: http://rabbit', '  queue: permits', '  bindingKeys: ["permit.*"]', 'nats:', '  stream: S', '  consumer: c'];
const env = { AMQP_URL: 'amqp://hms:s3cret-pass@rabbit:5672/%2f', DATABASE_URL: 'postgres://hms:db-s3cret@db/permits' };

test('a minimal source of each type loads with every default of the schema filled in', async (t) => {
  const dir = await connectorDir(t, { 'a.yaml': nats, 'b.yaml': amqp, 'c.yaml': outbox });
  const { sources, problems } = await loadSources(dir, { env });
  assert.deepEqual(problems.map(formatProblem), []);
  const [first, second, third] = sources;
  assert.equal(first?.type === 'nats' && first.nats.servers[0], 'nats://127.0.0.1:4222');
  assert.equal(first?.type === 'nats' && first.nats.bind, false);
  assert.equal(first?.maxInFlight, 256);
  assert.equal(first?.maxBodyBytes, 1_048_576);
  assert.equal(first?.event.body.source, 'body');
  assert.equal(first?.event.type, undefined);
  assert.ok(second?.type === 'amqp');
  assert.equal(second.amqp.prefetch, 256, 'prefetch defaults to maxInFlight');
  assert.equal(second.amqp.exchange, undefined);
  assert.ok(third?.type === 'postgres-outbox');
  assert.deepEqual(third.outbox.columns, { id: 'id', type: 'type', payload: 'payload', createdAt: 'created_at', processedAt: 'processed_at', error: 'error' });
  assert.equal(third.outbox.pollIntervalMs, 1000);
  assert.equal(third.outbox.onConsume, 'delete');
  assert.equal(third.outbox.batch, 500);
  assert.equal(third.outbox.table, 'outbox');
  // Credentials from the environment are secrets: the whole URL and its password.
  assert.ok(second.secrets.includes('s3cret-pass') && second.secrets.includes(env.AMQP_URL));
  assert.ok(third.secrets.includes('db-s3cret'));
  assert.ok(Object.isFrozen(third) && Object.isFrozen(third.outbox.columns));
});

test('every problem of a source file is reported at once, at its line and column, saying how to fix it', async (t) => {
  const dir = await connectorDir(t, {
    'broken.yaml': lines(
      'name: Permits Bus',
      ...MIXED_UP,
      'event:',
      '  type: $split(subject, ".")[',
      'maxBody: 2 megabytes',
      'outcomes: { subject: sync.outcomes }',
      'maxInflight: 10',
    ),
  });
  const { sources, problems } = await loadSources(dir, { env: {} });
  assert.equal(sources.length, 0);
  const file = join(dir, 'broken.yaml');
  assert.deepEqual(problems.map((p) => formatProblem(p).replace(file, 'broken.yaml')), [
    'broken.yaml:1:7 name: "Permits Bus" is not a valid source name; use lowercase letters, digits and dashes, starting with a letter (e.g. "permits-bus")',
    'broken.yaml:11:29 event.type: invalid JSONata: Expected "]" before end of expression',
    'broken.yaml:12:10 maxBody: "2 megabytes" is not a size; write a whole number followed by B, KB, MB, KiB or MiB (e.g. 1MiB)',
    'broken.yaml:14:1 maxInflight: unknown field "maxInflight"; did you mean "maxInFlight"?',
  ]);
});

test('the checks the schema cannot express come once the schema passes', async (t) => {
  const dir = await connectorDir(t, {
    'a.yaml': lines(
      'name: permits-queue',
      ...MIXED_UP,
      'outcomes: { subject: sync.outcomes }',
    ),
    'b.yaml': lines(
      'name: permits-bus',
      'type: nats',
      'nats:',
      '  stream: S',
      '  consumer: c',
      '  subjects: ["sync.>"]',
      '  auth: { token: "${env:T}", nkey: "${env:N}" }',
      'outcomes: { subject: sync.outcomes }',
    ),
    'c.yaml': lines('name: permits-outbox', 'type: postgres-outbox', 'postgres-outbox:', '  url: postgres://db/x', '  pollInterval: 0s', 'outcomes: { subject: x }'),
  });
  const { problems } = await loadSources(dir, { env: { T: 'a-token-value', N: 'SUAAAAAAAAAAAAAAAA' } });
  assert.deepEqual(problems.map((p) => `${p.file.slice(dir.length + 1)}:${p.line}:${p.column} ${p.message}`), [
    'a.yaml:4:8 amqp.url: "http://rabbit" must start with amqp:// or amqps://',
    'a.yaml:6:3 amqp.bindingKeys: applies only when hms-sync declares the queue; add amqp.exchange (to declare the queue and bind it to that exchange), or remove it',
    'a.yaml:7:1 nats: holds settings for type nats, and this source is type amqp; remove it or change type',
    'a.yaml:10:1 outcomes: a source of type amqp publishes outcomes to exchange (and no subject)',
    'b.yaml:7:3 nats.auth: gives more than one way to authenticate; keep one of token, user and password, nkey, creds',
    'b.yaml:8:22 outcomes.subject: "sync.outcomes.delivered" is among the subjects this source takes, so it would read its own outcomes back; publish them to a subject outside nats.subjects',
    'c.yaml:5:17 postgres-outbox.pollInterval: must be between 1ms and 2147483647ms (about 24 days)',
    'c.yaml:6:1 outcomes: a postgres-outbox source has no bus to publish outcomes to; remove outcomes, and route sync.delivered or sync.dead to a connector instead',
  ]);
});

test('a type without its settings block is missing a required field', async (t) => {
  const dir = await connectorDir(t, { 'a.yaml': lines('name: a', 'type: nats') });
  const { problems } = await loadSources(dir, { env: {} });
  assert.deepEqual(problems.map((p) => `${p.line}:${p.column} ${p.message}`), ['1:1 missing required field "nats"']);
});

test('validate\'s lint finds credentials written into a source file, and never quotes them', async (t) => {
  const dir = await connectorDir(t, {
    'a.yaml': lines('name: permits-queue', 'type: amqp', 'amqp:', '  url: amqp://hms:literal-pass@rabbit/', '  queue: q'),
    'b.yaml': lines('name: permits-bus', 'type: nats', 'nats:', '  stream: S', '  consumer: c', '  servers: ["nats://u:${env:NATS_PASSWORD}@nats:4222"]', '  auth: { token: abcdefgh12345 }'),
  });
  const { problems } = await loadSources(dir, { env: { NATS_PASSWORD: 'from-env-pass' }, reportLiteralSecrets: true });
  const shown = problems.map((p) => `${p.file.slice(dir.length + 1)}:${p.line}:${p.column} ${p.code} ${p.message}`);
  assert.deepEqual(shown, [
    'a.yaml:4:8 CONFIG_LITERAL_SECRET amqp.url: holds a password written into the URL; source files are committed, so move it to an environment variable or a secret file: ${env:PERMITS_QUEUE_AMQP_URL}',
    'b.yaml:7:18 CONFIG_LITERAL_SECRET nats.auth.token: looks like a literal credential; source files are committed, so move it to an environment variable or a secret file: token: ${env:PERMITS_BUS_TOKEN}',
  ]);
  assert.ok(!shown.join('\n').includes('literal-pass') && !shown.join('\n').includes('abcdefgh12345'));
});

test('a URL from the environment is never quoted in a problem', async (t) => {
  const dir = await connectorDir(t, { 'a.yaml': outbox });
  const { problems } = await loadSources(dir, { env: { DATABASE_URL: 'mysql://root:hunter22@db/x' } });
  assert.deepEqual(problems.map((p) => p.message), ['postgres-outbox.url: the URL (from the environment, not shown) must start with postgres:// or postgresql://']);
});

test('a missing sources directory holds no sources; a missing file named explicitly is a problem', async (t) => {
  const dir = await connectorDir(t, {});
  assert.deepEqual(await loadSources(join(dir, 'sources.d'), { env: {} }), { sources: [], problems: [] });
  const named = await loadSourceFiles([join(dir, 'nope.yaml')], { env: {} });
  assert.deepEqual(named.problems.map((p) => p.code), ['CONFIG_READ']);
});

test('two files with one source name: the first keeps it', async (t) => {
  const dir = await connectorDir(t, { 'a.yaml': nats, 'b.yaml': nats });
  const { sources, problems } = await loadSources(dir, { env: {} });
  assert.equal(sources.length, 1);
  assert.deepEqual(problems.map((p) => `${p.line}:${p.column} ${p.code}`), ['1:1 CONFIG_DUPLICATE_NAME']);
  assert.match(problems[0]!.message, /source names must be unique/);
});

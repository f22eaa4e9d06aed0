import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatProblem } from '../../../engine/config/problems/format-problem.js';
import { loadSources } from '../../../engine/config/sources/load-sources.js';
import { pemFixture } from '../pem-fixture.js';
import { repoPath } from '../connector-dir.js';

const EXAMPLES = repoPath('docs', 'examples', 'sources');

test('every example in docs/examples/sources loads with zero problems, as validate --env-optional would', async () => {
  const files = (await readdir(EXAMPLES)).filter((name) => name.endsWith('.yaml'));
  const result = await loadSources(EXAMPLES, { env: {}, envOptional: true, reportLiteralSecrets: true });
  assert.deepEqual(result.problems.map(formatProblem), []);
  assert.equal(result.sources.length, files.length);
  assert.deepEqual(result.sources.map((s) => s.type).sort(), ['amqp', 'nats', 'postgres-outbox'], 'one complete example per type');
  for (const file of files) {
    const text = await readFile(join(EXAMPLES, file), 'utf8');
    assert.ok(text.startsWith('# yaml-language-server: $schema=../../../schemas/source.schema.json\n'), `${file} starts with the schema line`);
  }
});

test('with the secrets mounted, every example resolves and its event: expressions do what their comments say', async () => {
  const pem = pemFixture();
  const mounted: Record<string, string> = {
    '/run/secrets/nats-token': 'nats-token-value\n',
    '/run/secrets/nats-ca.pem': pem.ca,
    '/run/secrets/rabbitmq-url': 'amqps://hms-sync:rabbit-pass@rabbit.internal:5671/permits\n',
    '/run/secrets/rabbitmq-ca.pem': pem.ca,
    '/run/secrets/permits-db-url': 'postgres://hms_sync:db-pass@db.internal:5432/permits?sslmode=verify-full\n',
  };
  const result = await loadSources(EXAMPLES, {
    env: {},
    readFile: async (path) => (mounted[path] === undefined ? readFile(path) : Buffer.from(mounted[path])),
  });
  assert.deepEqual(result.problems.map(formatProblem), []);
  const byName = new Map(result.sources.map((s) => [s.name, s]));
  const nats = byName.get('permits-bus');
  assert.ok(nats?.type === 'nats');
  assert.deepEqual(nats.nats.auth, { token: 'nats-token-value' });
  assert.ok(nats.secrets.includes('nats-token-value'));
  assert.equal(await nats.event.type?.evaluate({ subject: 'permits.approved', body: {} }), 'permitApproved');
  const rabbit = byName.get('permits-queue');
  assert.ok(rabbit?.type === 'amqp' && rabbit.amqp.exchange?.name === 'permits');
  assert.ok(rabbit.secrets.includes('rabbit-pass'));
  assert.equal(await rabbit.event.type?.evaluate({ routingKey: 'permit.approved', body: {} }), 'permit.approved');
  const outbox = byName.get('permits-outbox');
  assert.ok(outbox?.type === 'postgres-outbox' && outbox.outbox.columns.type === 'event_type');
  assert.equal(await outbox.event.id?.evaluate({ row: { id: '42' }, body: {} }), 'permit-outbox-42');
});

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadEngineFile } from '../../../engine/config/engine-file/load-engine-file.js';
import { parseRunOptions } from '../../../engine/cli/run-options.js';
import { DEFAULT_STORE_SCHEMA } from '../../../engine/store/postgres/connection.js';
import { runSettings } from '../../../engine/cli/run-settings.js';
import { parseDuration } from '../../../engine/config/values/duration.js';
import { connectorDir, lines, repoPath } from '../connector-dir.js';

const summary = (problems: readonly { line: number; column: number; code: string; message: string }[]) => problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.message}`);

test('the settings become HMS_SYNC_* variables, paths relative to the file, references resolved', async (t) => {
  const dir = await connectorDir(t, {
    'hms-sync.yaml': lines(
      'connectors: ./connectors.d',
      'data: /var/lib/hms-sync',
      'listen: { host: 0.0.0.0, port: 9090 }',
      'logLevel: warn',
      'strict: true',
      'retention: { delivered: 3d, dead: never, maxStoreSize: 20GB }',
      'tokens: { api: "${env:MY_API_TOKEN}" }',
    ),
  });
  const loaded = await loadEngineFile(join(dir, 'hms-sync.yaml'), { env: { MY_API_TOKEN: 'token-from-env-1234' } });
  assert.deepEqual(loaded.problems, []);
  assert.deepEqual(loaded.variables, {
    HMS_SYNC_CONNECTORS: join(dir, 'connectors.d'),
    HMS_SYNC_DATA: '/var/lib/hms-sync',
    HMS_SYNC_HOST: '0.0.0.0',
    HMS_SYNC_PORT: '9090',
    HMS_SYNC_LOG_LEVEL: 'warn',
    HMS_SYNC_STRICT: 'true',
    HMS_SYNC_RETAIN_DELIVERED: '3d',
    HMS_SYNC_RETAIN_DEAD: 'never',
    HMS_SYNC_MAX_STORE_SIZE: '20GB',
    HMS_SYNC_API_TOKEN: 'token-from-env-1234',
  });
  assert.match(loaded.hash, /^[0-9a-f]{64}$/);
});

test('every problem of the file at once, at its line and column, saying how to fix it', async (t) => {
  const dir = await connectorDir(t, { 'hms-sync.yaml': lines('listen:', '  port: eighty', 'retention:', '  deliverd: 7d', 'logLevel: verbose') });
  const { problems, variables } = await loadEngineFile(join(dir, 'hms-sync.yaml'), { env: {} });
  assert.deepEqual(variables, {});
  const found = summary(problems);
  assert.equal(found.length, 3, found.join('\n'));
  assert.match(found[0]!, /^2:9 CONFIG_SCHEMA listen\.port: /);
  assert.match(found[1]!, /^4:3 CONFIG_SCHEMA retention\.deliverd: unknown field "deliverd"; did you mean "delivered"\?/);
  assert.match(found[2]!, /^5:11 CONFIG_SCHEMA logLevel: /);
});

test('validate reports a token written into the file as a literal, never quoting it', async (t) => {
  const dir = await connectorDir(t, { 'hms-sync.yaml': lines('tokens:', '  api: s3cr3t-literal-token-value') });
  const { problems } = await loadEngineFile(join(dir, 'hms-sync.yaml'), { env: {}, reportLiteralSecrets: true });
  assert.deepEqual(summary(problems), ['2:8 CONFIG_LITERAL_SECRET tokens.api: looks like a literal token; the settings file is committed, so write ${env:HMS_SYNC_API_TOKEN} or ${file:/run/secrets/...} instead']);
});

test('flags win over HMS_SYNC_* variables, which win over the file, which wins over the defaults', async (t) => {
  const dir = await connectorDir(t, { 'hms-sync.yaml': lines('data: ./from-file', 'logLevel: warn', 'sweep: "*/7 * * * * *"', 'retention: { events: 40d }') });
  const file = join(dir, 'hms-sync.yaml');
  const { options, engineFile } = await runSettings(['--config', file, '--log-level', 'error'], { HMS_SYNC_SWEEP: '*/9 * * * * *' });
  assert.deepEqual(options.store, { kind: 'sqlite', dataDir: join(dir, 'from-file') }, 'the file, resolved against its directory');
  assert.equal(options.logLevel, 'error', 'the flag over the file');
  assert.equal(options.sweep, '*/9 * * * * *', 'the variable over the file');
  assert.equal(options.retention.eventsMs, 40 * 86_400_000);
  assert.equal(options.port, 8080, 'the default where none says otherwise');
  assert.equal(engineFile?.path, file);
  const fromEnv = await runSettings([], { HMS_SYNC_CONFIG: file });
  assert.equal(fromEnv.options.logLevel, 'warn');
});

test('validate reports a literal password in store.url, never quoting it; an interpolated one is fine', async (t) => {
  const dir = await connectorDir(t, {
    'a.yaml': lines('store:', '  url: postgres://hms:hunter2-literal@db/events'),
    'b.yaml': lines('store:', '  url: postgres://hms:${file:/run/secrets/db}@db/events'),
  });
  const literal = summary((await loadEngineFile(join(dir, 'a.yaml'), { env: {}, reportLiteralSecrets: true })).problems);
  assert.equal(literal.length, 1);
  assert.match(literal[0]!, /^2:8 CONFIG_LITERAL_SECRET store\.url: holds a literal password/);
  assert.ok(!literal[0]!.includes('hunter2'));
  const interpolated = await loadEngineFile(join(dir, 'b.yaml'), { env: {}, envOptional: true, reportLiteralSecrets: true });
  assert.deepEqual(summary(interpolated.problems).filter((p) => p.includes('LITERAL')), []);
});

test('the file names the store as store.url and store.schema; a sqlite: path is relative to the file', async (t) => {
  const dir = await connectorDir(t, { 'a.yaml': lines('store: { url: "sqlite:./here" }'), 'b.yaml': lines('store: { url: "postgres://${env:PGUSER}@db/x", schema: blue }') });
  assert.deepEqual((await runSettings(['--config', join(dir, 'a.yaml')], {})).options.store, { kind: 'sqlite', dataDir: join(dir, 'here') });
  assert.deepEqual((await runSettings(['--config', join(dir, 'b.yaml')], { PGUSER: 'sync' })).options.store, { kind: 'postgres', url: 'postgres://sync@db/x', schema: 'blue' });
});

test('a settings file with problems stops the start, listing each at file:line:col', async (t) => {
  const dir = await connectorDir(t, { 'hms-sync.yaml': lines('listen:', '  port: 70000') });
  await assert.rejects(runSettings(['--config', join(dir, 'hms-sync.yaml')], {}), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, new RegExp(`${join(dir, 'hms-sync.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:9 listen\\.port`));
    return true;
  });
});

test('the schema\'s defaults are the engine\'s defaults', async () => {
  const schema = JSON.parse(await readFile(repoPath('schemas', 'engine.schema.json'), 'utf8')) as { properties: Record<string, { default?: unknown; properties?: Record<string, { default?: unknown }> }> };
  const p = schema.properties;
  const defaults = parseRunOptions([], {});
  assert.equal(p.connectors!.default, './' + defaults.connectors.replace(/^\.\//, ''));
  assert.equal(p.sources!.default, './' + defaults.sources.replace(/^\.\//, ''));
  assert.deepEqual(defaults.store, { kind: 'sqlite', dataDir: 'data' });
  assert.equal(p.data!.default, './data');
  const store = p.store!.properties!;
  assert.equal(store.url!.default, 'sqlite:./data');
  assert.equal(store.schema!.default, DEFAULT_STORE_SCHEMA);
  assert.equal(p.listen!.properties!.host!.default, defaults.host);
  assert.equal(p.listen!.properties!.port!.default, defaults.port);
  assert.equal(p.sweep!.default, defaults.sweep);
  assert.equal(p.logLevel!.default, defaults.logLevel);
  assert.equal(p.strict!.default, defaults.strict);
  assert.equal(p.bodyLimit!.default, defaults.bodyLimitBytes);
  assert.equal(p.maxConnections!.default, defaults.maxConnections);
  assert.equal(p.maxInflightBodyBytes!.default, defaults.maxInflightBodyBytes);
  const retention = p.retention!.properties!;
  assert.equal(parseDuration(String(retention.delivered!.default)), defaults.retention.deliveredMs);
  assert.equal(parseDuration(String(retention.events!.default)), defaults.retention.eventsMs);
  assert.equal(retention.dead!.default, 'never');
  assert.equal(defaults.retention.deadMs, null);
  assert.equal(retention.maxStoreSize!.default, undefined);
  assert.equal(defaults.retention.maxStoreBytes, null);
});

test('GET /status says when the settings file changed since start', async (t) => {
  const { engineFileStatus } = await import('../../../engine/config/engine-file/engine-file-status.js');
  const dir = await connectorDir(t, { 'hms-sync.yaml': lines('logLevel: warn') });
  const file = join(dir, 'hms-sync.yaml');
  const { hash } = await loadEngineFile(file, { env: {} });
  assert.deepEqual(await engineFileStatus({ path: file, hash }), { file, changedSinceStart: false });
  await writeFile(file, lines('logLevel: debug'));
  assert.deepEqual(await engineFileStatus({ path: file, hash }), { file, changedSinceStart: true });
});

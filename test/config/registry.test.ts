import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompiledConnector } from '../../engine/config/compiled.js';
import { loadConnectors } from '../../engine/config/load/load-connectors.js';
import { createRegistry } from '../../engine/config/registry.js';
import { connectorDir, lines } from './connector-dir.js';

async function load(t: import('node:test').TestContext, files: Record<string, string>): Promise<readonly CompiledConnector[]> {
  const { connectors, problems } = await loadConnectors(await connectorDir(t, files), { env: {} });
  assert.deepEqual(problems, []);
  return connectors;
}

const connector = (name: string, ...routes: string[]) => lines(`name: ${name}`, 'target: {url: "http://x"}', 'routes:', ...routes);

test('routesFor lists matching routes across connectors in order, without evaluating when', async (t) => {
  const connectors = await load(t, {
    'a.yaml': connector('a', '  - {on: permitApproved, when: "false"}', '  - {on: other}', '  - {on: "permit*", name: all}'),
    'b.yaml': connector('b', '  - {on: "*"}'),
  });
  const registry = createRegistry(connectors);
  assert.deepEqual(registry.routesFor('permitApproved').map((m) => `${m.connector.name}/${m.route.key}`), ['a/0', 'a/all', 'b/0']);
  assert.deepEqual(registry.routesFor('zzz').map((m) => `${m.connector.name}/${m.route.key}`), ['b/0']);
  assert.equal(registry.routesFor('permitApproved'), registry.routesFor('permitApproved'), 'cached');
  assert.ok(Object.isFrozen(registry.routesFor('zzz')));
});

test('replace swaps the whole set and clears the cache; objects taken earlier are unchanged', async (t) => {
  const [first] = await load(t, { 'a.yaml': connector('a', '  - {on: x}') });
  const [second] = await load(t, { 'a.yaml': connector('a', '  - {on: y}'), });
  assert.ok(first && second);
  const registry = createRegistry([first]);
  const before = registry.routesFor('x');
  assert.equal(before.length, 1);
  registry.replace([second]);
  assert.equal(registry.routesFor('x').length, 0);
  assert.equal(registry.routesFor('y').length, 1);
  assert.equal(registry.get('a'), second);
  assert.equal(before[0]?.connector, first);
  assert.deepEqual([...registry.names()], ['a']);
  assert.deepEqual(registry.all(), [second]);
  assert.equal(registry.get('missing'), undefined);
});

test('refuses two connectors with one name', async (t) => {
  const [a] = await load(t, { 'a.yaml': connector('a', '  - {on: x}') });
  assert.ok(a);
  assert.throws(() => createRegistry([a, a]), { code: 'INTERNAL' });
});

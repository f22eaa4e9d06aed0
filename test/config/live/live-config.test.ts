import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { manualClock } from '../../../engine/clock.js';
import { createLiveConfig, type ConfigStatus } from '../../../engine/config/live/live-config.js';
import { createRegistry } from '../../../engine/config/registry.js';
import { captureLogger } from '../../helpers/capture-logger.js';
import { waitUntil } from '../../helpers/wait-until.js';
import { connectorDir, lines } from '../connector-dir.js';

const connector = (path: string) => lines('name: alpha', 'target: {url: "http://127.0.0.1:1"}', 'routes:', `  - {on: tick, path: ${path}}`);

test('while a reload applies its changes, status already shows the new revision with its report', async (t) => {
  const dir = await connectorDir(t, { 'a.yaml': connector('/v1') });
  const registry = createRegistry([]);
  const seen: ConfigStatus[] = [];
  let release: () => void = () => undefined;
  const live = await createLiveConfig({
    dir,
    env: {},
    registry,
    clock: manualClock(),
    logger: captureLogger().logger,
  });
  // Holds the reload open, as parking and re-driving in the store do.
  live.signals.on('applied', () => {
    seen.push(live.status());
    return new Promise<void>((resolve) => (release = resolve));
  });
  /** Starts a reload and, while its `applied` listener holds it open, checks that status already shows a
   * revision other than `previous` together with its own report. */
  const reloadHeldOpen = async (previous: string) => {
    const expected = seen.length + 1;
    const reloading = live.reload();
    await waitFor(() => seen.length === expected);
    const status = live.status();
    assert.notEqual(status.revision.label, previous);
    assert.equal(status.lastReload?.revision, status.revision.label);
    return { status, reloading };
  };
  const initial = live.status();
  assert.equal(initial.lastReload, null);

  const { status: during, reloading: first } = await reloadHeldOpen(initial.revision.label);
  assert.deepEqual(during.lastReload?.added, ['alpha']);
  assert.equal(registry.get('alpha')?.source.routes[0]?.path, '/v1');
  release();
  assert.equal((await first).revision, during.revision.label);

  await writeFile(join(dir, 'a.yaml'), connector('/v2'));
  const { status: changed, reloading: second } = await reloadHeldOpen(during.revision.label);
  assert.deepEqual(changed.lastReload?.changed, ['alpha']);
  assert.deepEqual(seen.map((s) => s.lastReload?.revision), [during.revision.label, changed.revision.label]);
  release();
  await second;
  await live.close();
});

test('editing only a file\'s tests: keeps its revision, so a reload changes nothing; editing a route changes it', async (t) => {
  const withTests = (path: string, testName: string) =>
    connector(path) + lines('tests:', `  - name: ${testName}`, '    event: { type: tick }', '    expect: [{ path: /v1 }]');
  const dir = await connectorDir(t, { 'a.yaml': withTests('/v1', 'first') });
  const applied: string[][] = [];
  const live = await createLiveConfig({
    dir,
    env: {},
    registry: createRegistry([]),
    clock: manualClock(),
    logger: captureLogger().logger,
  });
  live.signals.on('applied', (plan) => void applied.push(plan.changed.slice()));
  const loaded = await live.reload();
  const revisionOf = () => live.status().connectors[0]!.revision;
  const first = revisionOf();

  await writeFile(join(dir, 'a.yaml'), withTests('/v1', 'renamed, and another expectation'));
  const testsOnly = await live.reload();
  assert.deepEqual(testsOnly.changed, []);
  assert.equal(testsOnly.revision, loaded.revision);
  assert.equal(revisionOf(), first);
  assert.equal(live.status().connectors[0]!.source.tests?.[0]?.name, 'renamed, and another expectation');

  await writeFile(join(dir, 'a.yaml'), withTests('/v2', 'renamed, and another expectation'));
  const routeEdit = await live.reload();
  assert.deepEqual(routeEdit.changed, ['alpha']);
  assert.notEqual(revisionOf(), first);
  assert.deepEqual(applied, [[], [], ['alpha']]);
  await live.close();
});

/** Resolves once `condition` holds (the reload reached its `applied` listener), or fails after 5 s. */
function waitFor(condition: () => boolean): Promise<true> {
  return waitUntil(() => condition() || undefined, 'the reload to reach its applied listener', 5_000);
}

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine.js';
import { useEngineFixture } from '../../helpers/engine-fixture.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitUntil } from '../../helpers/wait-until.js';

const connector = (name: string, path: string, extra = '') =>
  `name: ${name}\ntarget:\n  url: \${env:RECEIVER_URL}\nroutes:\n  - name: main\n    on: tick\n    path: ${path}\n${extra}`;

describe('hot reload', () => {
  const fixture = useEngineFixture();

  const start = async (files: Record<string, string>, watch = false) => {
    fixture.harness = await startTestEngine(files, { RECEIVER_URL: fixture.receiver.url }, { watch });
    return fixture.harness;
  };
  const dir = () => join(fixture.harness!.dataDir, '..', 'connectors.d');
  const pathsFor = async (id: string) => {
    await fixture.harness!.settled(id);
    return fixture.receiver.requests.filter((r) => r.body.includes(`"${id}"`)).map((r) => r.url);
  };
  const reloadedTo = (predicate: (status: Awaited<ReturnType<TestEngine['engine']['status']>>) => boolean) =>
    waitUntil(async () => {
      const status = await fixture.harness!.engine.status();
      return predicate(status) ? status : undefined;
    }, 'the watcher to reload', 10_000, 25);

  test('a changed file replaces its connector and the revision changes', async () => {
    const { engine } = await start({ 'a.yaml': connector('alpha', '/v1') }, true);
    const before = await engine.status();
    assert.deepEqual(await pathsFor(await engine.emit({ type: 'tick', id: 'c1' })), ['/v1']);
    await writeFile(join(dir(), 'a.yaml'), connector('alpha', '/v2'));
    const after = await reloadedTo((s) => s.revision.label !== before.revision.label);
    assert.equal(after.lastReload?.result, 'ok');
    assert.deepEqual(after.lastReload?.changed, ['alpha']);
    assert.deepEqual(await pathsFor(await engine.emit({ type: 'tick', id: 'c2' })), ['/v2']);
  });

  test('a broken file keeps its last good version serving and reports file:line:col', async () => {
    const { engine } = await start({ 'a.yaml': connector('alpha', '/good') });
    await writeFile(join(dir(), 'a.yaml'), connector('alpha', '/bad', '    map: "{ broken"\n'));
    const report = await engine.reload();
    assert.equal(report.result, 'problems');
    const status = await engine.status();
    const file = status.files.find((f) => f.file.endsWith('a.yaml'))!;
    assert.equal(file.serving, 'alpha');
    assert.equal(file.lastKnownGood, true);
    assert.equal(file.problems[0]!.code, 'CONFIG_JSONATA_SYNTAX');
    assert.equal(file.problems[0]!.line, 8);
    assert.deepEqual(await pathsFor(await engine.emit({ type: 'tick', id: 'b1' })), ['/good']);
  });

  test('new files add connectors, deleted files remove them, and a taken name is refused', async () => {
    const { engine } = await start({ 'a.yaml': connector('alpha', '/a') });
    await writeFile(join(dir(), 'b.yaml'), connector('beta', '/b'));
    await writeFile(join(dir(), '0-dup.yaml'), connector('alpha', '/dup'));
    const report = await engine.reload();
    assert.deepEqual(report.added, ['beta']);
    const status = await engine.status();
    assert.deepEqual(status.connectors.map((c) => [c.name, c.file.split('/').pop()]).sort(), [['alpha', 'a.yaml'], ['beta', 'b.yaml']]);
    const dup = status.files.find((f) => f.file.endsWith('0-dup.yaml'))!;
    assert.equal(dup.serving, null);
    assert.equal(dup.problems[0]!.code, 'CONFIG_DUPLICATE_NAME');
    assert.match(dup.problems[0]!.message, /already used by .*a\.yaml, which keeps serving it/);
    assert.deepEqual((await pathsFor(await engine.emit({ type: 'tick', id: 'n1' }))).sort(), ['/a', '/b']);
    await unlink(join(dir(), 'b.yaml'));
    assert.deepEqual((await engine.reload()).removed, ['beta']);
    assert.deepEqual(await pathsFor(await engine.emit({ type: 'tick', id: 'n2' })), ['/a']);
  });

  test('deliveries of a removed connector are parked, then resume when it comes back', async () => {
    const { engine, clock } = await start({ 'a.yaml': connector('alpha', '/a') });
    fixture.receiver.respond = () => 503;
    const id = await engine.emit({ type: 'tick', id: 'p1' });
    await fixture.harness!.settled(id);
    await unlink(join(dir(), 'a.yaml'));
    await engine.reload();
    let event = await fixture.harness!.settled(id, (d) => d.state === 'parked');
    assert.equal(event.deliveries[0]!.attempts, 1);
    clock.advance(3_600_000);
    assert.equal(await engine.sweep(), 0, 'parked deliveries are not claimed');
    fixture.receiver.respond = () => 200;
    await writeFile(join(dir(), 'a.yaml'), connector('alpha', '/back'));
    await engine.reload();
    event = await fixture.harness!.settled(id, (d) => d.state === 'delivered');
    assert.equal(event.deliveries[0]!.attempts, 2);
    assert.equal(fixture.receiver.requests.at(-1)!.url, '/back');
  });

  test('a mapping fix re-drives deliveries that died on it, and history shows each revision', async () => {
    const broken = connector('alpha', '/m', '    map: \'{ "n": $number(count) }\'\n');
    const { engine } = await start({ 'a.yaml': broken });
    const first = (await engine.status()).revision.label;
    const id = await engine.emit({ type: 'tick', id: 'm1', count: 'not a number' });
    let event = await fixture.harness!.settled(id);
    assert.equal(event.deliveries[0]!.state, 'dead');
    assert.match(event.deliveries[0]!.lastError!, /^MAPPING_FAILED/);
    await writeFile(join(dir(), 'a.yaml'), connector('alpha', '/m', '    map: \'{ "n": count }\'\n'));
    const report = await engine.reload();
    event = await fixture.harness!.settled(id, (d) => d.state === 'delivered');
    assert.deepEqual(event.deliveries[0]!.history.map((a) => [a.attempt, a.revision]), [[1, first], [2, report.revision]]);
    assert.notEqual(first, report.revision);
    assert.deepEqual(JSON.parse(fixture.receiver.requests.at(-1)!.body), { n: 'not a number' });
  });

  test('redrive: never leaves dead deliveries dead after a change', async () => {
    const { engine } = await start({ 'a.yaml': connector('alpha', '/r', 'redrive: never\n') });
    fixture.receiver.respond = () => 400;
    const id = await engine.emit({ type: 'tick', id: 'r1' });
    await fixture.harness!.settled(id);
    fixture.receiver.respond = () => 200;
    await writeFile(join(dir(), 'a.yaml'), connector('alpha', '/r2', 'redrive: never\n'));
    await engine.reload();
    await engine.sweep();
    const event = await fixture.harness!.settled(id);
    assert.equal(event.deliveries[0]!.state, 'dead');
    assert.equal(fixture.receiver.requests.length, 1);
  });

  test('an editor that saves by writing a temp file and renaming it is picked up', async () => {
    const { engine } = await start({ 'a.yaml': connector('alpha', '/before') }, true);
    const before = (await engine.status()).revision.label;
    await writeFile(join(dir(), '.a.yaml.swp'), connector('alpha', '/after'));
    await rename(join(dir(), '.a.yaml.swp'), join(dir(), 'a.yaml'));
    await reloadedTo((s) => s.revision.label !== before);
    assert.deepEqual(await pathsFor(await engine.emit({ type: 'tick', id: 'e1' })), ['/after']);
  });

  test('a directory removed and created again is watched again', async () => {
    const { engine } = await start({ 'a.yaml': connector('alpha', '/a') }, true);
    await rm(dir(), { recursive: true });
    const gone = await reloadedTo((s) => s.lastReload?.result === 'problems');
    assert.deepEqual(gone.connectors.map((c) => c.name), ['alpha'], 'a missing directory removes nothing');
    await mkdir(dir());
    await writeFile(join(dir(), 'b.yaml'), connector('beta', '/b'));
    const back = await reloadedTo((s) => s.connectors.some((c) => c.name === 'beta'));
    assert.deepEqual(back.connectors.map((c) => c.name), ['beta']);
    assert.equal(back.lastReload?.result, 'ok');
    await writeFile(join(dir(), 'b.yaml'), connector('beta', '/b2'));
    await reloadedTo((s) => s.revision.label !== back.revision.label);
    assert.deepEqual(await pathsFor(await engine.emit({ type: 'tick', id: 'r1' })), ['/b2'], 'edits after the return are seen too');
  });

  test('a directory replaced at once (removed and made again, often with the same inode number) is watched again', async () => {
    const { engine } = await start({ 'a.yaml': connector('alpha', '/a1') }, true);
    const first = await engine.status();
    await rm(dir(), { recursive: true });
    await mkdir(dir());
    await writeFile(join(dir(), 'a.yaml'), connector('alpha', '/a2'));
    const second = await reloadedTo((s) => s.revision.label !== first.revision.label);
    // The watch on the removed directory is dead by now; only a fresh one sees this edit.
    await writeFile(join(dir(), 'a.yaml'), connector('alpha', '/a3'));
    await reloadedTo((s) => s.revision.label !== second.revision.label);
    assert.deepEqual(await pathsFor(await engine.emit({ type: 'tick', id: 'r2' })), ['/a3']);
  });

  test('a Kubernetes ConfigMap ..data symlink swap is picked up', async () => {
    // Lay the directory out exactly as kubelet's atomic writer does, then swap it the same way:
    // a new timestamped directory, a ..data_tmp symlink to it renamed over ..data, the old one removed.
    const volume = await tempDir('hms-sync-configmap-');
    const root = volume.path;
    const writeGeneration = async (stamp: string, files: Record<string, string>) => {
      await mkdir(join(root, stamp));
      for (const [name, text] of Object.entries(files)) await writeFile(join(root, stamp, name), text);
      await symlink(stamp, join(root, '..data_tmp'));
      await rename(join(root, '..data_tmp'), join(root, '..data'));
    };
    try {
      await writeGeneration('..2026_11_27_08_00_00.000000001', { 'a.yaml': connector('alpha', '/gen1') });
      await symlink('..data/a.yaml', join(root, 'a.yaml'));
      fixture.harness = await startTestEngine({}, { RECEIVER_URL: fixture.receiver.url }, { watch: true, connectorsDir: root });
      const before = await fixture.harness.engine.status();
      assert.deepEqual(before.connectors.map((c) => c.name), ['alpha']);
      await writeGeneration('..2026_11_27_08_05_00.000000002', { 'a.yaml': connector('alpha', '/gen2') });
      await rm(join(root, '..2026_11_27_08_00_00.000000001'), { recursive: true });
      await reloadedTo((s) => s.revision.label !== before.revision.label);
      assert.deepEqual(await pathsFor(await fixture.harness.engine.emit({ type: 'tick', id: 'k1' })), ['/gen2']);
    } finally {
      await fixture.harness?.close();
      fixture.harness = undefined;
      await volume.cleanup();
    }
  });

  test('many files rewritten at once (a git checkout) reload together, with the commit in the revision', async () => {
    const { engine } = await start({ 'a.yaml': connector('alpha', '/a1'), 'b.yaml': connector('beta', '/b1') }, true);
    const root = dir();
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-C', root, ...args], { encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'first');
    await writeFile(join(root, 'a.yaml'), connector('alpha', '/a2'));
    await writeFile(join(root, 'b.yaml'), connector('beta', '/b2'));
    git('commit', '-qam', 'second');
    const head = git('rev-parse', 'HEAD');
    const status = await reloadedTo((s) => s.revision.commit === head && s.connectors.every((c) => c.routes[0]!.path.some((p) => 'literal' in p && p.literal.endsWith('2'))));
    assert.equal(status.revision.label, `${status.revision.hash}@${head.slice(0, 7)}`);
    assert.deepEqual((await pathsFor(await engine.emit({ type: 'tick', id: 'g1' }))).sort(), ['/a2', '/b2']);
  });
});

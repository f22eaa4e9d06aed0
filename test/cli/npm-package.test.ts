/**
 * The npm package as a user gets it. A copy of this checkout's sources (no dist/) is packed with
 * `npm pack`, whose prepack builds dist/; the tarball is installed in an empty folder with
 * `npm ci --offline`, from a lock file made of this repository's own (the versions CI's `npm ci`
 * put in the npm cache), so nothing is fetched and a network request would fail the test.
 *
 * Install scripts are skipped (`--ignore-scripts`): the only one is better-sqlite3's native
 * build, which takes minutes and is not this package's. validate, test and version never load it;
 * the test that runs the engine from the installed package copies in the checkout's build of it.
 */
import assert from 'node:assert/strict';
import { copyFile, cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEngineProcess } from '../helpers/engine-process.js';
import { runProcess } from '../helpers/run-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { repoPath } from '../config/connector-dir.js';

/** What a clean checkout holds that packing needs: everything but the tests, bench and scripts. */
const PACKED_SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'LICENSE', 'schemas', 'engine'];

/** No npm command here may use the network: offline mode, and a proxy that refuses every connection. */
const OFFLINE_NPM: Readonly<Record<string, string>> = {
  npm_config_offline: 'true',
  npm_config_proxy: 'http://127.0.0.1:9',
  npm_config_https_proxy: 'http://127.0.0.1:9',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

interface LockEntry {
  readonly dev?: boolean;
  readonly devOptional?: boolean;
  readonly [field: string]: unknown;
}

interface LockFile {
  readonly packages: Readonly<Record<string, LockEntry>>;
}

/**
 * The lock file of a project depending only on `tarball`: hms-sync's production dependencies
 * exactly as this repository locks them (hoisted where they are here), with no dev-only entry.
 */
function lockForTarball(repoLock: LockFile, tarball: string, engines: unknown): object {
  const root = repoLock.packages['']!;
  const packages: Record<string, object> = {
    '': { name: 'connectors', dependencies: { 'hms-sync': tarball } },
    'node_modules/hms-sync': { version: root.version, resolved: tarball, license: root.license, dependencies: root.dependencies, bin: root.bin, engines },
  };
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (path === '' || entry.dev === true) continue;
    const { devOptional, ...rest } = entry;
    packages[path] = devOptional === true ? { ...rest, optional: true } : rest;
  }
  return { name: 'connectors', lockfileVersion: 3, requires: true, packages };
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

describe('the npm package', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let source: string;
  let app: string;
  let packed: { filename: string; files: { path: string }[] };

  before(async () => {
    dir = await tempDir('hms-sync-package-');
    source = join(dir.path, 'source');
    app = join(dir.path, 'app');
    await mkdir(source);
    for (const name of PACKED_SOURCES) await cp(repoPath(name), join(source, name), { recursive: true });
    // The build's own tools (tsc) come from the checkout, as after `npm ci`.
    await symlink(repoPath('node_modules'), join(source, 'node_modules'));
    const pack = await runProcess('npm', ['pack', '--json', '--pack-destination', dir.path], { cwd: source, env: OFFLINE_NPM });
    assert.equal(pack.code, 0, pack.stderr);
    packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as (typeof packed)[])[0]!;
  });
  after(async () => {
    await dir?.cleanup();
  });

  test('npm pack builds dist/ and ships the engine, its types, the schemas, README and LICENSE, nothing else', async () => {
    const files = packed.files.map((file) => file.path).sort();
    const unexpected = files.filter((path) => !/^(package\.json|README\.md|LICENSE|schemas\/[\w.-]+\.json|dist\/engine\/.+\.(js|d\.ts))$/.test(path));
    assert.deepEqual(unexpected, []);
    // The console's stylesheet and script ship as a module: nothing it serves lives outside dist/engine.
    for (const path of ['LICENSE', 'README.md', 'schemas/connector.schema.json', 'dist/engine/cli/main.js', 'dist/engine/index.js', 'dist/engine/index.d.ts', 'dist/engine/api/console/assets.js']) {
      assert.ok(files.includes(path), `${path} is packed`);
    }
    const sources = (await listFiles(repoPath('engine'))).filter((path) => path.endsWith('.ts')).map((path) => `dist/engine/${path.replace(/\.ts$/, '.js')}`);
    assert.deepEqual(files.filter((path) => path.endsWith('.js')), sources.sort(), 'one compiled module per engine source');
    assert.match(await readFile(join(source, 'LICENSE'), 'utf8'), /^ +Apache License\n +Version 2\.0, January 2004\n/);
  });

  test('installs offline in an empty folder, and npx hms-sync validate, test and --version work there', async () => {
    const { version, engines } = JSON.parse(await readFile(repoPath('package.json'), 'utf8')) as { version: string; engines: unknown };
    const repoLock = JSON.parse(await readFile(repoPath('package-lock.json'), 'utf8')) as LockFile;
    const tarball = `file:../${packed.filename}`;
    await mkdir(app);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'connectors', private: true, dependencies: { 'hms-sync': tarball } }));
    await writeFile(join(app, 'package-lock.json'), JSON.stringify(lockForTarball(repoLock, tarball, engines)));
    const install = await runProcess('npm', ['ci', '--ignore-scripts'], { cwd: app, env: OFFLINE_NPM });
    assert.equal(install.code, 0, install.stderr);

    await cp(repoPath('connectors.d'), join(app, 'connectors.d'), { recursive: true });
    const npx = (...args: string[]) => runProcess('npx', ['hms-sync', ...args], { cwd: app, env: OFFLINE_NPM });
    const validate = await npx('validate', 'connectors.d');
    assert.deepEqual([validate.code, validate.stdout], [0, 'ok: 3 connectors in 3 files\n'], validate.stderr);
    const tests = await npx('test', 'connectors.d');
    assert.equal(tests.code, 0, tests.stdout + tests.stderr);
    assert.match(tests.stdout, /\n8 passed, 0 failed\n$/);
    const versionLine = await npx('--version');
    assert.equal(versionLine.stdout, `hms-sync ${version} (Node.js ${process.version}, ${process.platform}-${process.arch})\n`);

    // A schema problem: the installed CLI finds its own schemas/ and reports file:line:col.
    await writeFile(join(app, 'connectors.d', 'typo.yaml'), 'name: typo\ntarget:\n  url: http://127.0.0.1:9000\nroutes:\n  - on: x\n    methd: GET\n');
    const typo = await npx('validate', 'connectors.d');
    assert.equal(typo.code, 1);
    assert.match(typo.stdout, /^connectors\.d\/typo\.yaml:6:5 routes\[0\]\.methd: unknown field "methd"; did you mean "method"\?$/m);
  });

  test('the installed bin runs the engine: it serves, and stops cleanly on SIGTERM', async () => {
    // better-sqlite3's native build, skipped at install (see the module comment), taken from the checkout.
    const binding = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    await mkdir(join(app, 'node_modules', 'better-sqlite3', 'build', 'Release'), { recursive: true });
    await copyFile(repoPath(binding), join(app, binding));
    const engine = await startEngineProcess([], { HMS_SYNC_CONNECTORS: repoPath('connectors.d'), HMS_SYNC_DATA: join(dir.path, 'bin-data') }, {
      command: [join(app, 'node_modules', '.bin', 'hms-sync'), 'run'],
      cwd: app,
    });
    try {
      assert.equal((await fetch(`${engine.url}/healthz`)).status, 200);
    } finally {
      assert.equal(await engine.stop('SIGTERM'), 0, engine.stdout() + engine.stderr());
    }
  });

  test('npm start runs the engine as the process npm waits on: a SIGTERM to npm stops the engine cleanly', async () => {
    const { scripts } = JSON.parse(await readFile(repoPath('package.json'), 'utf8')) as { scripts: Record<string, string> };
    // The build runs before the engine starts (prestart), the same build as prepack ran above; it
    // is skipped here (--ignore-scripts skips pre-scripts only) since dist/ was just built.
    assert.equal(scripts.prestart, scripts.prepack);
    assert.doesNotMatch(scripts.start!, /build/);
    const npm = await startEngineProcess([], { HMS_SYNC_PORT: '0', HMS_SYNC_CONNECTORS: repoPath('connectors.d'), HMS_SYNC_DATA: join(dir.path, 'start-data'), ...OFFLINE_NPM }, {
      command: ['npm', 'start', '--ignore-scripts'],
      cwd: source,
    });
    let children: number[] = [];
    try {
      // The processes npm started: only the engine, with no shell between them to swallow the signal.
      const ps = await runProcess('ps', ['-o', 'pid=', '--ppid', String(npm.child.pid)]);
      children = ps.stdout.trim().split(/\s+/).map(Number);
      assert.equal(children.length, 1, ps.stdout);
      const commandLine = (await readFile(`/proc/${children[0]}/cmdline`, 'utf8')).split('\0').join(' ');
      assert.match(commandLine, /^node --max-old-space-size=512 dist\/engine\/cli\/main\.js run /);
    } finally {
      assert.equal(await npm.stop('SIGTERM'), 0, npm.stdout() + npm.stderr());
    }
    assert.match(npm.stdout(), /"signal":"SIGTERM".*"msg":"shutting down"/);
    assert.throws(() => process.kill(children[0]!, 0), { code: 'ESRCH' }, 'the engine is gone');
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { freePort } from '../../bench/free-port.js';
import { CLI_PATH, runCli, startEngineProcess } from '../helpers/engine-process.js';
import { useReceiverAndDir } from '../helpers/receiver-and-dir.js';
import { waitUntil } from '../helpers/wait-until.js';

const BROKEN = 'name: broken\ntarget:\n  url: http://127.0.0.1:1\nroutes:\n  - on: x\n    methd: POST\n';
const UNSET = 'name: unset\ntarget:\n  url: ${env:HMS_TEST_NOT_SET_ANYWHERE}\nroutes:\n  - on: x\n';

const GOOD = `name: registry
target:
  url: \${env:RECEIVER_URL}
routes:
  - on: permitApproved
    path: /permits
    map: '{ "PermitNumber": id }'
`;

describe('hms-sync run (child process)', () => {
  const suite = useReceiverAndDir();

  test('ingests over HTTP, delivers, and exits 0 on SIGTERM', async () => {
    const connectors = join(suite.dir.path, 'ok');
    await mkdir(connectors);
    await suite.dir.write('ok/registry.yaml', GOOD);
    const engine = await startEngineProcess(['--connectors', connectors, '--data', join(suite.dir.path, 'data-ok')], { RECEIVER_URL: suite.receiver.url });
    const response = await request(`${engine.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ type: 'permitApproved', id: 'cli-1' }, { type: 'permitApproved', id: 'cli-2' }]),
    });
    assert.equal(response.statusCode, 202);
    assert.deepEqual(await response.body.json(), { accepted: [{ id: 'cli-1', deliveries: 1 }, { id: 'cli-2', deliveries: 1 }] });
    await suite.receiver.waitFor(2);
    assert.deepEqual(suite.receiver.requests.map((r) => JSON.parse(r.body).PermitNumber).sort(), ['cli-1', 'cli-2']);
    const state = await waitUntil(async () => {
      const res = await request(`${engine.url}/events/cli-1`);
      const body = (await res.body.json()) as { deliveries: { state: string }[] };
      return body.deliveries[0]?.state === 'delivered' ? body : undefined;
    }, 'cli-1 delivered');
    assert.equal(state.deliveries.length, 1);
    assert.equal(await engine.stop('SIGTERM'), 0);
    assert.match(engine.stdout(), /"msg":"engine stopped"/);
  });

  test('SIGTERM lets a request in flight finish and records it before exiting 0', async () => {
    const connectors = join(suite.dir.path, 'drain');
    await mkdir(connectors);
    await suite.dir.write('drain/registry.yaml', GOOD);
    const data = join(suite.dir.path, 'data-drain');
    suite.receiver.requests.length = 0;
    suite.receiver.respond = () => ({ status: 200, delayMs: 400 });
    try {
      const engine = await startEngineProcess(['--connectors', connectors, '--data', data], { RECEIVER_URL: suite.receiver.url });
      const response = await request(`${engine.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"permitApproved","id":"drain-1"}' });
      assert.equal(response.statusCode, 202);
      await response.body.dump();
      await suite.receiver.waitFor(1);
      assert.equal(await engine.stop('SIGTERM'), 0);
      const again = await startEngineProcess(['--connectors', connectors, '--data', data, '--sweep', '0 0 1 1 *'], { RECEIVER_URL: suite.receiver.url });
      const res = await request(`${again.url}/events/drain-1`);
      const body = (await res.body.json()) as { deliveries: { state: string; attempts: number }[] };
      assert.deepEqual(body.deliveries.map((d) => [d.state, d.attempts]), [['delivered', 1]]);
      assert.equal(await again.stop('SIGINT'), 0);
      assert.equal(suite.receiver.requests.length, 1, 'nothing was sent twice');
    } finally {
      suite.receiver.respond = () => 200;
    }
  });

  test('SIGHUP re-reads the connectors directory and the engine keeps running', async () => {
    const connectors = join(suite.dir.path, 'hup');
    await mkdir(connectors);
    await suite.dir.write('hup/registry.yaml', GOOD);
    const engine = await startEngineProcess(['--connectors', connectors, '--data', join(suite.dir.path, 'data-hup')], { RECEIVER_URL: suite.receiver.url });
    const lastReload = async () => ((await (await request(`${engine.url}/status`)).body.json()) as { lastReload: { result: string } | null }).lastReload;
    assert.equal(await lastReload(), null, 'nothing changed, so nothing reloaded yet');
    engine.child.kill('SIGHUP');
    const report = await waitUntil(async () => (await lastReload()) ?? undefined, 'a reload after SIGHUP');
    assert.equal(report.result, 'ok');
    assert.match(engine.stdout(), /"signal":"SIGHUP","msg":"reloading connectors and sources"/);
    assert.equal(await engine.stop('SIGTERM'), 0, 'still running, and stops cleanly');
  });

  test('with --strict, invalid connectors at start exit 1 listing every problem as file:line:col', async () => {
    const connectors = join(suite.dir.path, 'bad');
    await mkdir(connectors);
    await suite.dir.write('bad/good.yaml', GOOD);
    await suite.dir.write('bad/broken.yaml', BROKEN);
    await suite.dir.write('bad/unset.yml', UNSET);
    const result = await runCli(['run', '--strict', '--port', '0', '--connectors', connectors, '--data', join(suite.dir.path, 'data-bad')], { RECEIVER_URL: suite.receiver.url });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`${escape(join(connectors, 'broken.yaml'))}:6:5 .*methd`));
    assert.match(result.stderr, new RegExp(`${escape(join(connectors, 'unset.yml'))}:3:8 .*HMS_TEST_NOT_SET_ANYWHERE`));
  });

  test('a file with problems at start is set aside as a reload would: the valid connectors run, /status lists the problems, its deliveries wait parked', async () => {
    const connectors = join(suite.dir.path, 'aside');
    await mkdir(connectors);
    await suite.dir.write('aside/good.yaml', GOOD);
    const second = 'name: registry-two\ntarget:\n  url: http://127.0.0.1:9\nroutes:\n  - on: permitApproved\n';
    await suite.dir.write('aside/second.yaml', second);
    const data = join(suite.dir.path, 'data-aside');
    // A first run with both files valid leaves a delivery of registry-two unfinished (nothing listens on port 9).
    const first = await startEngineProcess(['--connectors', connectors, '--data', data], { RECEIVER_URL: suite.receiver.url });
    await request(`${first.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"permitApproved","id":"aside-1"}' });
    assert.equal(await first.stop('SIGTERM'), 0);
    await suite.dir.write('aside/second.yaml', `${second}    methd: POST\n`);

    const engine = await startEngineProcess(['--connectors', connectors, '--data', data], { RECEIVER_URL: suite.receiver.url });
    const status = (await (await request(`${engine.url}/status`)).body.json()) as { connectors: { name: string }[]; files: { file: string; serving: string | null; problems: { line: number; column: number; code: string }[] }[] };
    assert.deepEqual(status.connectors.map((c) => c.name), ['registry']);
    const broken = status.files.find((f) => f.file.endsWith('second.yaml'));
    assert.deepEqual(broken && { serving: broken.serving, problems: broken.problems.map((p) => `${p.line}:${p.column} ${p.code}`) }, { serving: null, problems: ['6:5 CONFIG_SCHEMA'] });
    assert.match(engine.stdout(), /"level":50.*connector files with problems are set aside/);
    const event = (await (await request(`${engine.url}/events/aside-1`)).body.json()) as { deliveries: { connector: string; state: string }[] };
    assert.equal(event.deliveries.find((d) => d.connector === 'registry-two')?.state, 'parked');

    const response = await request(`${engine.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"permitApproved","id":"aside-2"}' });
    assert.equal(response.statusCode, 202);
    assert.deepEqual(await response.body.json(), { accepted: [{ id: 'aside-2', deliveries: 1 }] });
    assert.equal(await engine.stop('SIGTERM'), 0);
  });

  test('a data directory it cannot use exits 1 with one line saying which and why, no stack trace', async () => {
    const connectors = join(suite.dir.path, 'no-data');
    await mkdir(connectors);
    await suite.dir.write('no-data/registry.yaml', GOOD);
    const notADirectory = await suite.dir.write('plain-file', 'not a directory');
    const result = await runCli(['run', '--port', '0', '--connectors', connectors, '--data', join(notADirectory, 'data')], { RECEIVER_URL: suite.receiver.url });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^hms-sync: cannot open data directory ${escape(join(notADirectory, 'data'))}: .*check the path`));
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  test('a stdout that cannot be written (/dev/full) stops the logs, not the engine', async () => {
    const connectors = join(suite.dir.path, 'full-stdout');
    await mkdir(connectors);
    await suite.dir.write('full-stdout/registry.yaml', GOOD);
    const port = await freePort();
    const full = openSync('/dev/full', 'w');
    const child = spawn(process.execPath, [CLI_PATH, 'run', '--port', String(port), '--connectors', connectors, '--data', join(suite.dir.path, 'data-full-stdout')], {
      env: { ...process.env, RECEIVER_URL: suite.receiver.url },
      stdio: ['ignore', full, 'pipe'],
    });
    closeSync(full);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    let exit: unknown[] = [];
    try {
      const url = `http://127.0.0.1:${port}`;
      const answers = () => request(`${url}/healthz`).then((r) => (r.body.dump(), r.statusCode === 200 || undefined), () => undefined);
      await waitUntil(answers, 'the engine to answer /healthz', 10_000, 50);
      const response = await request(`${url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ type: 'permitApproved', id: 'full-1' }, { type: 'permitApproved', id: 'full-2' }]) });
      assert.equal(response.statusCode, 202);
      await response.body.dump();
      await waitUntil(() => {
        const seen = suite.receiver.requests.map((r) => JSON.parse(r.body).PermitNumber as string);
        return seen.includes('full-1') && seen.includes('full-2') ? true : undefined;
      }, 'both events delivered');
      assert.match(stderr, /^hms-sync: logging stopped: stdout cannot be written \(ENOSPC\); the engine keeps running$/m);
    } finally {
      child.kill('SIGTERM');
      // An engine wedged by its logger ignores SIGTERM; fail rather than hang.
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      exit = await exited;
      clearTimeout(killer);
    }
    assert.deepEqual(exit, [0, null], `exit after SIGTERM; stderr:\n${stderr}`);
  });

  test('a port already in use exits 1 with one line saying so, no stack trace', async () => {
    const connectors = join(suite.dir.path, 'port-taken');
    await mkdir(connectors);
    await suite.dir.write('port-taken/registry.yaml', GOOD);
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await runCli(['run', '--port', String(port), '--connectors', connectors, '--data', join(suite.dir.path, 'data-port-taken')], { RECEIVER_URL: suite.receiver.url });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`^hms-sync: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\): another process uses it`, 'm'));
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      taken.close();
    }
  });

  test('usage errors exit 2', async () => {
    const result = await runCli(['run', '--port', 'eighty']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--port must be a whole number/);
    assert.equal((await runCli(['frobnicate'])).code, 2);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `hms-sync connectors pause|resume` and `hms-sync replay start|status|cancel` against a real
 * engine child process (with an API token) and a real receiver: what each prints for people and
 * with --json, that it acted on the engine, and each documented exit code.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { runCli, startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';
import { useReceiverAndDir } from '../helpers/receiver-and-dir.js';
import { waitUntil } from '../helpers/wait-until.js';

const API = 'cli-api-token-5d0a9e17';
const REGISTRY = `name: registry
target:
  url: \${env:RECEIVER_URL}
routes:
  - name: create
    on: permitApproved
    path: /permits/{permitId}
`;

describe('hms-sync connectors and replay (against a running engine)', () => {
  const suite = useReceiverAndDir(() => 200);
  let engine: EngineProcess;

  const TOKEN = { HMS_SYNC_API_TOKEN: API };
  const cli = (command: string, args: readonly string[], env: Record<string, string> = TOKEN) => runCli([command, ...args, '--url', engine.url], env);
  const get = async (path: string) => (await (await request(`${engine.url}${path}`, { headers: { authorization: `Bearer ${API}` } })).body.json()) as Record<string, unknown>;
  const postEvents = async (ids: readonly number[]) => {
    const response = await request(`${engine.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API}` },
      body: JSON.stringify(ids.map((permitId) => ({ type: 'permitApproved', id: `p${permitId}`, permitId }))),
    });
    assert.equal(response.statusCode, 202);
    await response.body.dump();
  };

  before(async () => {
    const connectors = join(suite.dir.path, 'connectors');
    await mkdir(connectors);
    await suite.dir.write('connectors/registry.yaml', REGISTRY);
    engine = await startEngineProcess(['--connectors', connectors, '--data', join(suite.dir.path, 'data')], { RECEIVER_URL: suite.receiver.url, HMS_SYNC_API_TOKEN: API });
    await postEvents([1, 2, 3]);
    await suite.receiver.waitFor(3, 15_000);
  });
  after(async () => {
    await engine?.stop();
  });

  test('connectors pause holds deliveries on the engine and resume sends them; --json prints the API answer', async () => {
    const paused = await cli('connectors', ['pause', 'registry']);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /^connector registry: paused by an operator \(api token, since \d{4}-\d\d-\d\dT[\d:.]+Z\)\n$/);

    await postEvents([4]);
    const waiting = await waitUntil(async () => {
      const event = (await get('/events/p4')) as { deliveries?: { state: string; attempts: number }[] };
      return event.deliveries?.[0];
    }, 'the paused delivery to be stored');
    assert.deepEqual([waiting.state, waiting.attempts], ['pending', 0]);
    assert.equal(suite.receiver.requests.length, 3, 'a paused connector sends nothing');

    const resumed = await cli('connectors', ['resume', 'registry', '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const answer = JSON.parse(resumed.stdout) as { connector: string; state: string; pausedBy: unknown };
    assert.deepEqual([answer.connector, answer.state, answer.pausedBy], ['registry', 'active', null]);
    await suite.receiver.waitFor(4, 15_000);
    assert.equal(suite.receiver.requests.at(-1)?.url, '/permits/4');
  });

  test('replay start --dry-run counts what a replay then creates and delivers; status follows it as a table and one replay', async () => {
    const dry = await cli('replay', ['start', 'registry', '--mode', 'redeliver', '--since', '1h', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^dry run, nothing created: redeliver of registry, /);
    assert.match(dry.stdout, /\n {2}would create {2}4 deliveries for 4 events\n/);
    assert.match(dry.stdout, /\n {2}first events {2}p1, p2, p3, p4\n$/);
    const sentBefore = suite.receiver.requests.length;

    const started = await cli('replay', ['start', 'registry', '--mode', 'redeliver', '--since', '1h', '--rate', '50/s', '--json']);
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as { id: string };
    await suite.receiver.waitFor(sentBefore + 4, 15_000);
    const replayed = suite.receiver.requests.slice(sentBefore);
    assert.deepEqual(replayed.map((r) => r.headers['hms-sync-replay']), [id, id, id, id]);

    const one = await waitUntil(async () => {
      const shown = await cli('replay', ['status', id]);
      return shown.stdout.includes('4 delivered') ? shown : undefined;
    }, 'the replay to report its deliveries delivered', 15_000, 200);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, new RegExp(`^replay ${id}: done at `));
    assert.match(one.stdout, /\n {2}events {6}4 matched, 0 skipped /);
    assert.match(one.stdout, /\n {2}deliveries {2}4 created: 4 delivered, 0 dead, 0 waiting\n$/);

    const table = await cli('replay', ['status']);
    assert.equal(table.code, 0, table.stderr);
    const [header, row, ...rest] = table.stdout.trimEnd().split('\n');
    assert.match(header!, /^ID +CONNECTOR +MODE +STATE +MATCHED +CREATED +DELIVERED +DEAD +WAITING +STARTED$/);
    assert.match(row!, new RegExp(`^${id} +registry +redeliver +done +4 +4 +4 +0 +0 +\\d{4}-`));
    assert.deepEqual(rest, []);
    const listed = JSON.parse((await cli('replay', ['status', '--json'])).stdout) as { replays: { id: string }[] };
    assert.deepEqual(listed.replays.map((r) => r.id), [id]);

    const cancelled = await cli('replay', ['cancel', id]);
    assert.equal(cancelled.code, 1, 'a finished replay has nothing left to cancel');
    assert.match(cancelled.stderr, /^hms-sync: REPLAY_FINISHED: /);
  });

  test('cancel stops a replay from creating more deliveries', async () => {
    await postEvents(Array.from({ length: 60 }, (_, i) => 100 + i));
    await suite.receiver.waitFor(68, 15_000);
    const started = await cli('replay', ['start', 'registry', '--mode', 'redeliver', '--since', '1h', '--rate', '1/s', '--json']);
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as { id: string };
    const cancelled = await cli('replay', ['cancel', id]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, new RegExp(`^cancelled replay ${id}: it creates nothing more; the (\\d+) deliveries it created go on\\n`));
    const created = Number(/the (\d+) deliveries/.exec(cancelled.stdout)![1]);
    assert.ok(created < 64, `cancelled before creating all 64 (${created})`);
    const after = (await get(`/replays/${id}`)) as { state: string; created: number };
    assert.deepEqual([after.state, after.created], ['cancelled', created]);
  });

  test('exits 1 when the engine refuses, 2 for a bad command line or request, 3 with no engine, 4 for a wrong token', async () => {
    const unknown = await cli('connectors', ['pause', 'nosuch']);
    assert.equal(unknown.code, 1, unknown.stderr);
    assert.match(unknown.stderr, /^hms-sync: \w+: .*nosuch/);

    const noMode = await cli('replay', ['start', 'registry', '--since', '1h']);
    assert.equal(noMode.code, 2);
    assert.match(noMode.stderr, /^hms-sync: replay start needs --mode redeliver/);
    const badAction = await cli('connectors', ['stop', 'registry']);
    assert.deepEqual([badAction.code, badAction.stderr.split('\n')[0]], [2, 'hms-sync: unknown action "stop"; use pause or resume']);
    const startFlag = await cli('replay', ['status', '--mode', 'backfill']);
    assert.deepEqual([startFlag.code, startFlag.stderr.split('\n')[0]], [2, 'hms-sync: --mode is for replay start only']);
    const badRate = await cli('replay', ['start', 'registry', '--mode', 'backfill', '--since', '1h', '--rate', 'fast']);
    assert.equal(badRate.code, 2, 'the engine refuses the request with 400');
    assert.match(badRate.stderr, /rate/);

    const nobody = await runCli(['replay', 'status', '--url', 'http://127.0.0.1:9'], TOKEN);
    assert.equal(nobody.code, 3);
    assert.match(nobody.stderr, /^hms-sync: no engine answered at http:\/\/127\.0\.0\.1:9 /);

    const wrongToken = await cli('connectors', ['resume', 'registry'], { HMS_SYNC_API_TOKEN: 'not-the-token' });
    assert.equal(wrongToken.code, 4);
    assert.doesNotMatch(wrongToken.stderr, /not-the-token/, 'the token never shows');
  });
});

/**
 * `hms-sync deliveries` against a real engine child process (with API and read tokens) and a real
 * receiver: list as a table and as JSON, show, retry and discard by id and by filter with a dry
 * run, and each documented exit code.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { runCli, startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';
import { useReceiverAndDir } from '../helpers/receiver-and-dir.js';
import { waitUntil } from '../helpers/wait-until.js';

const API = 'cli-api-token-93c1e7d2';
const READ = 'cli-read-token-41b8f0a6';
const REGISTRY = `name: registry
target:
  url: \${env:RECEIVER_URL}
routes:
  - name: create
    on: permitApproved
    path: /permits/{permitId}
`;

describe('hms-sync deliveries (against a running engine)', () => {
  // Permit 1 is refused until told otherwise; the others are taken.
  let refuse = true;
  const suite = useReceiverAndDir((r) => (refuse && r.url === '/permits/1' ? { status: 422, body: 'no such permit' } : 200));
  let engine: EngineProcess;
  const ids: Record<string, string> = {};

  const READER = { HMS_SYNC_READ_TOKEN: READ };
  const cli = (args: readonly string[], env: Record<string, string> = { HMS_SYNC_API_TOKEN: API }) => runCli(['deliveries', ...args, '--url', engine.url], env);
  const stateOf = async (eventId: string) => {
    const res = await request(`${engine.url}/events/${eventId}`, { headers: { authorization: `Bearer ${API}` } });
    return ((await res.body.json()) as { deliveries: { id: string; state: string }[] }).deliveries[0]!;
  };

  before(async () => {
    const connectors = join(suite.dir.path, 'connectors');
    await mkdir(connectors);
    await suite.dir.write('connectors/registry.yaml', REGISTRY);
    engine = await startEngineProcess(['--connectors', connectors, '--data', join(suite.dir.path, 'data')], { RECEIVER_URL: suite.receiver.url, HMS_SYNC_API_TOKEN: API, HMS_SYNC_READ_TOKEN: READ });
    const response = await request(`${engine.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API}` },
      body: JSON.stringify([1, 2, 3].map((permitId) => ({ type: 'permitApproved', id: `p${permitId}`, permitId }))),
    });
    assert.equal(response.statusCode, 202);
    for (const id of ['p1', 'p2', 'p3']) ids[id] = (await waitUntil(async () => ((await stateOf(id)).state.match(/dead|delivered/) ? stateOf(id) : undefined), `${id} to settle`)).id;
  });
  after(async () => {
    await engine?.stop();
  });

  test('lists deliveries as a table for people and as the API answer with --json', async () => {
    const table = await cli(['list', '--state', 'dead']);
    assert.equal(table.code, 0, table.stderr);
    const [header, row, ...rest] = table.stdout.trimEnd().split('\n');
    assert.match(header!, /^ID +EVENT +TYPE +CONNECTOR\/ROUTE +STATE +TRIES +LAST +ACCEPTED$/);
    assert.match(row!, new RegExp(`^${ids.p1} +p1 +permitApproved +registry/create +dead +1 +422 +\\d{4}-`));
    assert.deepEqual(rest, []);
    const json = await cli(['list', '--since', '1h', '--limit', '2', '--json']);
    const answer = JSON.parse(json.stdout) as { deliveries: { eventId: string }[]; next: string };
    assert.deepEqual(answer.deliveries.map((d) => d.eventId), ['p3', 'p2']);
    const next = await cli(['list', '--limit', '2', '--after', answer.next]);
    assert.match(next.stdout, /\bp1\b/);
    assert.doesNotMatch(next.stdout, /more may match/);
    assert.match((await cli(['list', '--q', 'permitId = 2'])).stdout, /q evaluated 3 events/);
  });

  test('shows one delivery with the request it sent and the answer it got', async () => {
    const shown = await cli(['show', ids.p1!], READER);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^delivery ${ids.p1}: dead\\n`));
    assert.match(shown.stdout, /attempt 1 .* 422 /);
    assert.match(shown.stdout, /request as sent:\n {4}POST \[REDACTED\]\/permits\/1\n/);
    assert.match(shown.stdout, /answered:\n {4}no such permit/);
  });

  test('retries by filter after a dry run, and by id; discards; refuses what does not fit', async () => {
    const dry = await cli(['retry', '--state', 'dead', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout, `would retry 1 delivery (dry run: nothing changed); oldest first:\n  ${ids.p1}\n`);
    assert.equal((await stateOf('p1')).state, 'dead');

    const readOnly = await cli(['retry', ids.p1!], READER);
    assert.equal(readOnly.code, 4, 'the read token may not act');
    assert.match(readOnly.stderr, /^hms-sync: FORBIDDEN: the read token may not make POST/);

    refuse = false;
    const retried = await cli(['retry', ids.p1!]);
    assert.deepEqual([retried.code, retried.stdout], [0, 'retried 1 delivery\n']);
    await waitUntil(async () => ((await stateOf('p1')).state === 'delivered' ? true : undefined), 'p1 delivered after the retry');

    const notDiscardable = await cli(['discard', ids.p1!]);
    assert.equal(notDiscardable.code, 1);
    assert.match(notDiscardable.stderr, /^hms-sync: DELIVERY_NOT_DISCARDABLE: delivery .* is delivered/);
    const none = await cli(['discard', '--connector', 'registry', '--json']);
    assert.deepEqual([none.code, JSON.parse(none.stdout)], [0, { matched: 0, discarded: 0 }]);
    assert.equal((await cli(['show', 'no-such-delivery'])).code, 1);
  });

  test('exits 2 for a bad command line or filter, 3 with no engine, 4 without a token', async () => {
    const badFilter = await cli(['list', '--state', 'lost']);
    assert.equal(badFilter.code, 2);
    assert.match(badFilter.stderr, /^hms-sync: QUERY_INVALID: "state" "lost" is not a state/);
    for (const args of [[], ['list', '--nope'], ['retry'], ['retry', 'x', '--dry-run'], ['show'], ['frobnicate']]) {
      const result = await cli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    }
    const away = await runCli(['deliveries', 'list', '--url', 'http://127.0.0.1:1'], {});
    assert.equal(away.code, 3);
    assert.match(away.stderr, /^hms-sync: no engine answered at http:\/\/127\.0\.0\.1:1/);
    const noToken = await cli(['list'], {});
    assert.equal(noToken.code, 4);
    assert.match(noToken.stderr, /UNAUTHORIZED/);
  });
});

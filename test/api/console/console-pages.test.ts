/**
 * The console's pages over HTTP, without an API token (loopback, no login), against a real engine
 * and receiver: every page renders what the engine knows, with the console's security headers;
 * a hostile event body is text, never markup; Retry, Discard, Pause and Resume, the dead-letter
 * bulk retry (dry run, then confirm) and a replay (dry run, start, cancel) act as the API would;
 * a form without its CSRF token, or posted from another site, changes nothing.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { systemClock } from '../../../engine/clock.js';
import type { EngineOptions } from '../../../engine/engine.js';
import { CONSOLE_CSP } from '../../../engine/api/console/layout.js';
import { useEngineFixture } from '../../helpers/engine-fixture.js';
import { startTestEngine } from '../../helpers/test-engine.js';
import { waitUntil } from '../../helpers/wait-until.js';
import { consoleClient, HOSTILE, textOf } from './console-helpers.js';

const registry = `
name: registry
target:
  url: \${env:RECEIVER_URL}
routes:
  - name: create
    on: permitApproved
    path: /permits
retry:
  schedule: [1m, 1h]
`;

describe('the console without an API token', () => {
  const fixture = useEngineFixture();

  /** An engine whose receiver answers 400 (so deliveries die at once) for permits over 100. */
  async function setUp(options: Partial<EngineOptions> = {}) {
    fixture.receiver.respond = (request) => (JSON.parse(request.body).permitId > 100 ? { status: 400, body: 'no such permit' } : 200);
    fixture.harness = await startTestEngine({ 'registry.yaml': registry }, { RECEIVER_URL: fixture.receiver.url }, options);
    const harness = fixture.harness;
    const client = await consoleClient(harness, options.clock && { clock: options.clock });
    const emit = async (permitId: number, extra: Record<string, unknown> = {}) => {
      await harness.engine.emit({ type: 'permitApproved', id: `p${permitId}`, permitId, ...extra });
      return (await harness.settled(`p${permitId}`)).deliveries[0]!;
    };
    return { harness, client, emit };
  }

  test('every page answers 200 HTML with the strict CSP, nosniff and no referrer', async (t) => {
    const { client, emit } = await setUp();
    t.after(() => client.app.close());
    const dead = await emit(101);
    for (const url of ['/console/', '/console', '/console/deliveries', `/console/deliveries/${dead.id}`, '/console/dead', '/console/replays']) {
      const response = await client.get(url);
      assert.equal(response.statusCode, 200, url);
      assert.match(String(response.headers['content-type']), /^text\/html/, url);
      assert.equal(response.headers['content-security-policy'], CONSOLE_CSP, url);
      assert.equal(response.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(response.headers['referrer-policy'], 'no-referrer', url);
      assert.match(response.body, /<meta name="viewport"/, url);
      assert.doesNotMatch(response.body, /<script>|<style>| style=| on[a-z]+=/i, `${url} holds inline script or style`);
    }
    for (const asset of ['/console/assets/console.js', '/console/assets/console.css']) {
      const response = await client.get(asset);
      assert.equal(response.statusCode, 200, asset);
      assert.equal(response.headers['content-security-policy'], CONSOLE_CSP, asset);
    }
    const missing = await client.get('/console/nowhere');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers['content-security-policy'], CONSOLE_CSP);
  });

  test('a hostile event body, error and id render as text, never as markup', async (t) => {
    const { client, emit, harness } = await setUp();
    t.after(() => client.app.close());
    fixture.receiver.respond = () => ({ status: 400, body: HOSTILE });
    const dead = await emit(102, { note: HOSTILE, [HOSTILE]: 'key' });
    const pages = [await client.get(`/console/deliveries/${dead.id}`), await client.get('/console/deliveries?connector=registry'), await client.get(`/console/deliveries?q=${encodeURIComponent(`note = '${HOSTILE}'`)}`)];
    await harness.engine.emit({ type: HOSTILE.replace(/[^A-Za-z]/g, ''), id: HOSTILE });
    pages.push(await client.get(`/console/deliveries?eventId=${encodeURIComponent(HOSTILE)}`), await client.get('/console/dead'));
    for (const page of pages) {
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /<img src=x|<script>window|"><script/, 'hostile markup came through');
    }
    assert.match(pages[0]!.body, /&lt;img src=x onerror=alert\(1\)&gt;&quot;&gt;&lt;script&gt;/);
    assert.ok(textOf(pages[0]!.body).includes(HOSTILE), 'the delivery page shows the hostile text as it is');
    assert.ok(textOf(pages[2]!.body).includes(dead.id), 'q finds the delivery by its hostile note');
  });

  test('the overview shows each connector, its last hour, the revision and its pause; Pause and Resume act', async (t) => {
    const { client, emit, harness } = await setUp();
    t.after(() => client.app.close());
    await emit(1);
    await emit(2);
    await emit(103);
    let overview = textOf((await client.get('/console/')).body);
    assert.match(overview, /registry active up 2 0 1 \d+ ms \d+ ms/);
    assert.ok(overview.includes((await harness.engine.status()).revision.label));
    const paused = await client.post('/console/connectors/registry/pause');
    assert.equal(paused.statusCode, 303);
    assert.equal(paused.headers.location, '/console/');
    overview = textOf((await client.get('/console/')).body);
    assert.match(overview, /registry paused-by-operator paused/);
    assert.equal((await harness.engine.status()).flow.registry?.state, 'paused-by-operator');
    assert.equal(harness.logs.lines().find((line) => line.msg === 'api write' && line.request === 'POST /console/connectors/:name/pause')?.who, 'anonymous loopback');
    await client.post('/console/connectors/registry/resume');
    assert.equal((await harness.engine.status()).flow.registry?.state, 'active');
    // An hour later the deliveries are out of the window.
    harness.clock.advance(61 * 60_000);
    assert.match(textOf((await client.get('/console/')).body), /registry active up 0 0 0 – –/);
  });

  test('the deliveries page filters, pages with Next, and shows a bad filter as an error', async (t) => {
    const { client, emit } = await setUp();
    t.after(() => client.app.close());
    for (let permit = 1; permit <= 52; permit += 1) await emit(permit);
    await emit(104);
    const dead = textOf((await client.get('/console/deliveries?state=dead&connector=registry&route=&q=')).body);
    assert.ok(dead.includes('dead') && !dead.includes('delivered'), 'only the dead one');
    const first = await client.get('/console/deliveries?state=delivered');
    assert.equal(first.body.match(/<tr><td><a href="\/console\/deliveries\//g)?.length, 50);
    const next = /href="(\/console\/deliveries\?state=delivered&amp;after=[^"]+)"/.exec(first.body)?.[1];
    assert.ok(next, 'a Next link');
    const second = await client.get(next.replace(/&amp;/g, '&'));
    assert.equal(second.body.match(/<tr><td><a href="\/console\/deliveries\//g)?.length, 2);
    const bad = await client.get('/console/deliveries?status=7xx');
    assert.equal(bad.statusCode, 400);
    assert.match(textOf(bad.body), /QUERY_INVALID: "status" "7xx"/);
    assert.match(bad.body, /value="7xx"/, 'the form keeps what was typed');
  });

  test('Retry on a delivery page sends it again; Discard discards it', async (t) => {
    const { client, emit, harness } = await setUp();
    t.after(() => client.app.close());
    const dead = await emit(105);
    const page = await client.get(`/console/deliveries/${dead.id}`);
    assert.match(textOf(page.body), /HTTP 400 no such permit/);
    // Masked as the API masks it: the URL came from the environment, so it is a secret.
    const api = (await client.app.inject({ method: 'GET', url: `/deliveries/${dead.id}` })).json();
    assert.equal(api.history[0].request.url, '[REDACTED]/permits');
    assert.ok(textOf(page.body).includes(`POST ${api.history[0].request.url}`));
    assert.ok(!page.body.includes(fixture.receiver.url), 'the target URL is not shown');
    fixture.receiver.respond = () => 200;
    const retried = await client.post(`/console/deliveries/${dead.id}/retry`);
    assert.equal(retried.statusCode, 303);
    assert.equal(retried.headers.location, `/console/deliveries/${dead.id}?done=retry`);
    await harness.settled('p105', (delivery) => delivery.state === 'delivered');
    assert.match(textOf((await client.get(String(retried.headers.location))).body), /Retried: it is due now\. State delivered/);

    fixture.receiver.respond = () => 400;
    const other = await emit(106);
    assert.equal((await client.post(`/console/deliveries/${other.id}/discard`)).statusCode, 303);
    assert.equal((await harness.engine.getDelivery(other.id))?.delivery.state, 'discarded');
    const refused = await client.post(`/console/deliveries/${dead.id}/discard`);
    assert.equal(refused.statusCode, 409);
    assert.match(textOf(refused.body), /DELIVERY_NOT_DISCARDABLE/);
  });

  test('dead letters are grouped by connector and code; a bulk retry shows its dry run, then acts', async (t) => {
    const { client, emit, harness } = await setUp();
    t.after(() => client.app.close());
    const dead = [await emit(107), await emit(108)];
    const page = textOf((await client.get('/console/dead')).body);
    assert.match(page, /2 dead deliveries in 1 group\(s\)\. Connector Error code Count Newest error registry TARGET_REJECTED 2/);
    const dryRun = await client.post('/console/dead/retry', { connector: 'registry', code: 'TARGET_REJECTED', dryRun: 'true' });
    assert.equal(dryRun.statusCode, 200);
    assert.match(textOf(dryRun.body), /Dry run: 2 dead deliveries of registry with TARGET_REJECTED would be retried/);
    for (const delivery of dead) assert.ok(dryRun.body.includes(delivery.id), 'the sample lists it');
    assert.equal((await harness.engine.getDelivery(dead[0]!.id))?.delivery.state, 'dead', 'a dry run changes nothing');
    assert.match(dryRun.body, /Confirm: retry 2/);
    fixture.receiver.respond = () => 200;
    const confirmed = await client.post('/console/dead/retry', { connector: 'registry', code: 'TARGET_REJECTED' });
    assert.equal(confirmed.statusCode, 303);
    assert.equal(confirmed.headers.location, '/console/dead?retried=2');
    for (const id of ['p107', 'p108']) await harness.settled(id, (delivery) => delivery.state === 'delivered');
    assert.match(textOf((await client.get('/console/dead?retried=2')).body), /Retried 2 dead deliveries; they are due now\. 0 dead deliveries/);
  });

  test('a replay is a dry run first, then Start, then shows its progress; Cancel ends a running one', async (t) => {
    // Replays pace themselves by the real clock.
    const { client, emit, harness } = await setUp({ clock: systemClock });
    t.after(() => client.app.close());
    await emit(3);
    await emit(4);
    // A replay's window ends now, exclusive: let time pass since the events were accepted.
    await sleep(5);
    await client.get('/console/replays');
    const fields = { connector: 'registry', mode: 'redeliver', since: '1h', until: '', eventTypes: 'permitApproved', where: 'permitId < 100', rate: '' };
    const dryRun = await client.post('/console/replays', { ...fields, dryRun: 'true' });
    assert.equal(dryRun.statusCode, 200);
    assert.match(textOf(dryRun.body), /Dry run of a redeliver of registry .* 2 event\(s\) would get 2 deliveries, 0 skipped/);
    assert.match(dryRun.body, /value="permitId &lt; 100"/, 'the start form carries the fields, escaped');
    assert.equal((await harness.engine.replays.list()).length, 0);
    const started = await client.post('/console/replays', { ...fields });
    assert.equal(started.statusCode, 303);
    const replay = await waitUntil(async () => (await harness.engine.replays.list()).find((r) => r.state === 'done'), 'the replay to finish');
    assert.equal(replay.created, 2);
    assert.match(textOf((await client.get('/console/replays?done=started')).body), new RegExp(`Replay started.*${replay.id} registry redeliver done 2 / 2`));

    const slow = await client.post('/console/replays', { ...fields, rate: '1/h' });
    assert.equal(slow.statusCode, 303);
    const running = (await harness.engine.replays.list()).find((r) => r.state === 'running');
    assert.ok(running, 'a replay at 1/h is still running');
    const page = await client.get('/console/replays');
    assert.ok(page.body.includes(`action="/console/replays/${running.id}/cancel"`), 'a running replay has Cancel');
    const cancelled = await client.post(`/console/replays/${running.id}/cancel`);
    assert.equal(cancelled.statusCode, 303);
    assert.equal((await harness.engine.replays.get(running.id)).state, 'cancelled');
    const bad = await client.post('/console/replays', { connector: 'registry', mode: 'sideways', since: '1h', dryRun: 'true' });
    assert.equal(bad.statusCode, 400);
    assert.match(textOf(bad.body), /REQUEST_INVALID: POST \/replays: "mode" must be/);
  });

  test('a form without its CSRF token, with a wrong one, or posted from another site is 403 CSRF_INVALID and changes nothing', async (t) => {
    const { client, emit, harness } = await setUp();
    t.after(() => client.app.close());
    const dead = await emit(109);
    await client.get('/console/');
    const token = client.csrf!;
    const attempts = [
      await client.post(`/console/deliveries/${dead.id}/discard`, { _csrf: '' }),
      await client.post(`/console/deliveries/${dead.id}/discard`, { _csrf: `${token}x` }),
      await client.post(`/console/deliveries/${dead.id}/discard`, {}, { 'sec-fetch-site': 'cross-site' }),
      await client.post(`/console/deliveries/${dead.id}/discard`, {}, { origin: 'http://evil.example' }),
      await client.post('/console/connectors/registry/pause', {}, { origin: 'null', 'sec-fetch-site': 'cross-site' }),
    ];
    for (const response of attempts) {
      assert.equal(response.statusCode, 403);
      assert.match(textOf(response.body), /CSRF_INVALID/);
      assert.equal(response.headers['content-security-policy'], CONSOLE_CSP);
    }
    assert.equal((await harness.engine.getDelivery(dead.id))?.delivery.state, 'dead');
    assert.equal((await harness.engine.status()).flow.registry?.state, 'active');
    const sameSite = await client.post(`/console/deliveries/${dead.id}/discard`, {}, { 'sec-fetch-site': 'same-origin', origin: 'http://localhost:8080', host: 'localhost:8080' });
    assert.equal(sameSite.statusCode, 303, 'the same form from our own origin works');
  });
});

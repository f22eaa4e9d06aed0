/**
 * The console in a real browser: Debian's Chromium driven by playwright-core, against a real
 * engine listening on a real socket and a real receiver. An operator logs in with the API token,
 * finds a dead delivery with `q`, opens it, presses Retry and sees it delivered; runs a replay dry
 * run and starts it; a hostile event body renders as text (no dialog, no script ran); a form
 * stripped of its CSRF token is refused; and the browser reports no Content-Security-Policy
 * violation on any page. Without Chromium the test fails and says how to get it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildServer } from '../../../engine/api/server.js';
import { systemClock } from '../../../engine/clock.js';
import { useEngineFixture } from '../../helpers/engine-fixture.js';
import { startTestEngine } from '../../helpers/test-engine.js';
import { waitUntil } from '../../helpers/wait-until.js';
import { HOSTILE } from './console-helpers.js';

export const CHROMIUM_PATH = process.env.HMS_SYNC_CHROMIUM ?? '/usr/bin/chromium';
const API_TOKEN = 'console-browser-api-token-3f9a';
const registry = `
name: registry
target:
  url: \${env:RECEIVER_URL}
routes:
  - name: create
    on: permitApproved
    path: /permits
retry:
  schedule: [1m]
`;

/** Chromium, or a failure that says how to install it: a missing browser must not pass silently. */
export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM_PATH), `Chromium is not at ${CHROMIUM_PATH}: install Debian's package (apt-get install chromium) or set HMS_SYNC_CHROMIUM; the console's browser test needs it`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
}

/** Collects what the browser says about a page: CSP violations, script errors, dialogs. */
function watch(page: Page) {
  const seen = { csp: [] as string[], errors: [] as string[], dialogs: [] as string[] };
  page.on('console', (message) => {
    if (/Content[- ]Security[- ]Policy|Refused to/i.test(message.text())) seen.csp.push(message.text());
  });
  page.on('pageerror', (error) => seen.errors.push(error.message));
  page.on('dialog', (dialog) => {
    seen.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return seen;
}

describe('the console in Chromium', () => {
  const fixture = useEngineFixture();

  test('log in, find a dead delivery by q, retry it and see it delivered; dry-run and start a replay; hostile bodies stay text', async (t) => {
    fixture.receiver.respond = (request) => (JSON.parse(request.body).permitId >= 700 ? { status: 400, body: HOSTILE } : 200);
    const harness = await startTestEngine({ 'registry.yaml': registry }, { RECEIVER_URL: fixture.receiver.url }, { clock: systemClock });
    fixture.harness = harness;
    const app = buildServer({ engine: harness.engine, logger: harness.logs.logger, apiToken: API_TOKEN, clock: systemClock });
    t.after(() => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    for (const permitId of [1, 2, 3]) await harness.engine.emit({ type: 'permitApproved', id: `p${permitId}`, permitId });
    await harness.engine.emit({ type: 'permitApproved', id: 'hostile', permitId: 701, note: HOSTILE });
    await harness.engine.emit({ type: 'permitApproved', id: 'p777', permitId: 777 });
    for (const id of ['p1', 'p2', 'p3', 'hostile', 'p777']) await harness.settled(id);

    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage();
    const seen = watch(page);

    // Log in once.
    await page.goto(`${base}/console/`);
    assert.equal(new URL(page.url()).pathname, '/console/login');
    await page.fill('input[name=token]', 'wrong');
    await page.click('button[type=submit]');
    assert.match(await page.textContent('main') ?? '', /not one this engine knows/);
    await page.fill('input[name=token]', API_TOKEN);
    await page.click('button[type=submit]');
    assert.equal(new URL(page.url()).pathname, '/console/');
    assert.match(await page.textContent('main') ?? '', /registry/);

    // Find the dead delivery by q, open it, retry it, see it delivered.
    await page.click('a[href="/console/deliveries"]');
    await page.fill('input[name=q]', 'permitId = 777');
    await page.fill('input[name=state]', 'dead');
    await page.click('form.filters button[type=submit]');
    const link = page.locator('tbody a[href^="/console/deliveries/"]');
    assert.equal(await link.count(), 1);
    await link.click();
    assert.match(await page.textContent('main') ?? '', /State\s*dead/);
    fixture.receiver.respond = () => 200;
    await page.click('button:has-text("Retry")');
    assert.match(await page.textContent('.notice') ?? '', /Retried/);
    await harness.settled('p777', (delivery) => delivery.state === 'delivered');
    await page.reload();
    assert.match(await page.textContent('main') ?? '', /State\s*delivered/);

    // The hostile body is text: shown as written, no dialog, no script ran.
    await page.goto(`${base}/console/deliveries?eventId=hostile`);
    await page.locator('tbody a[href^="/console/deliveries/"]').click();
    assert.ok((await page.textContent('main'))?.includes(HOSTILE), 'the hostile text is shown as it is');
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    assert.equal(await page.locator('main img, main script').count(), 0);

    // A replay: the dry run first, then Start.
    await page.click('a[href="/console/replays"]');
    await page.selectOption('select[name=connector]', 'registry');
    await page.fill('input[name=since]', '1h');
    await page.click('form.filters button[type=submit]');
    assert.match(await page.textContent('.notice') ?? '', /Dry run of a redeliver of registry .* 5 event\(s\) would get 5 deliveries/s);
    assert.equal((await harness.engine.replays.list()).length, 0, 'the dry run started nothing');
    await page.click('button:has-text("Start replay")');
    assert.match(await page.textContent('.notice') ?? '', /Replay started/);
    const replay = await waitUntil(async () => (await harness.engine.replays.list()).find((r) => r.state === 'done'), 'the replay to finish');
    assert.equal(replay.created, 5);

    // A form without its CSRF token is refused.
    await page.goto(`${base}/console/`);
    await page.evaluate(`document.querySelector('form[action$="/pause"] input[name=_csrf]').remove()`);
    const [refused] = await Promise.all([page.waitForNavigation(), page.click('form[action$="/pause"] button')]);
    assert.equal(refused?.status(), 403);
    assert.match(await page.textContent('main') ?? '', /CSRF_INVALID/);
    assert.equal((await harness.engine.status()).flow.registry?.state, 'active');

    // Log out.
    await page.goto(`${base}/console/`);
    await page.click('button:has-text("Log out")');
    assert.equal(new URL(page.url()).pathname, '/console/login');

    assert.deepEqual(seen.csp, [], 'no Content-Security-Policy violation');
    assert.deepEqual(seen.errors, [], 'no script error');
    assert.deepEqual(seen.dialogs, [], 'no dialog opened');

    // The control: an inline script put into a console page is blocked, and the browser says so.
    await page.goto(`${base}/console/login`);
    await page.evaluate(`{ const script = document.createElement('script'); script.textContent = 'window.__pwned = 1'; document.body.append(script); }`);
    await waitUntil(() => (seen.csp.length > 0 ? true : undefined), 'the browser to report the blocked inline script');
    assert.equal(await page.evaluate('window.__pwned'), undefined);
  });
});

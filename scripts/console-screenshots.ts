/**
 * `npm run screenshots`: the console's pages as PNG files in docs/console/, at a laptop's width
 * and a phone's, taken by Debian's Chromium (playwright-core). An engine runs in this process on
 * the example connectors (connectors.d/) with stand-ins for their systems: the warehouse refuses
 * some permits (dead letters), the registry is down for others (failing), and the scheduling
 * connector is paused by an operator, and a slow replay of the registry runs. Regenerate after changing a page; never edit the PNGs.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { buildServer } from '../engine/api/server.js';
import { createEngine } from '../engine/engine.js';
import { createLogger } from '../engine/logger.js';

const CONNECTORS_DIR = fileURLToPath(new URL('../../connectors.d/', import.meta.url));
const OUT_DIR = fileURLToPath(new URL('../../docs/console/', import.meta.url));
const CHROMIUM_PATH = process.env.HMS_SYNC_CHROMIUM ?? '/usr/bin/chromium';
const API_TOKEN = 'screenshots-api-token';
const PERMITS = 36;
const VIEWPORTS = { laptop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

/** A stand-in system: `answer` gives the status for a request body. */
async function standIn(answer: (body: string) => number): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const status = answer(body);
      response.writeHead(status, { 'content-type': 'application/json' }).end(status >= 400 ? JSON.stringify({ error: status === 400 ? 'permit fee must be positive' : 'maintenance' }) : '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const permitNumber = (body: string) => Number(/P-(\d+)/.exec(body)?.[1] ?? 0);

async function main(): Promise<void> {
  const systems = {
    SCHEDULING_URL: await standIn(() => 200),
    WAREHOUSE_URL: await standIn((body) => (permitNumber(body) % 9 === 0 ? 400 : 200)),
    PERMIT_REGISTRY_URL: await standIn((body) => (permitNumber(body) % 7 === 0 ? 503 : 200)),
  };
  const dataRoot = await mkdtemp(join(tmpdir(), 'hms-sync-screenshots-'));
  const logger = createLogger({ level: 'error' });
  const env = { ...Object.fromEntries(Object.entries(systems).map(([name, system]) => [name, system.url])), SCHEDULING_TOKEN: 'screenshot-secret' };
  const engine = await createEngine({ connectorsDir: CONNECTORS_DIR, dataDir: join(dataRoot, 'data'), env, logger, retentionSchedule: null });
  const app = buildServer({ engine, logger, apiToken: API_TOKEN });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    for (let n = 1; n <= PERMITS; n += 1) {
      await engine.emit({ type: 'permitApproved', id: `evt-${2000 + n}`, permitId: `P-${2000 + n}`, approvedDate: '2026-06-01', inspectorName: n % 2 ? 'Lee' : 'Okafor', inspectionRequired: n % 3 === 0, address: `${n} Harbour St`, fee: 90 + n * 10 });
    }
    await engine.emit({ type: 'permitCancelled', id: 'evt-2101', permitId: 'P-2003', cancelledDate: '2026-06-04', reason: 'withdrawn by applicant' });
    await waitForAttempts(engine.findDeliveries.bind(engine));
    await engine.pauseConnector('scheduling', 'screenshots');
    // A slow replay, so the list shows one running with its progress and Cancel.
    await engine.replays.start({ connector: 'permit-registry', mode: 'redeliver', since: { ago: 60 * 60_000 }, perSecond: 1 }, 'screenshots');
    await mkdir(OUT_DIR, { recursive: true });

    for (const [device, viewport] of Object.entries(VIEWPORTS)) {
      const page = await browser.newPage({ viewport });
      await page.goto(`${base}/console/login`);
      if (device === 'laptop') await shoot(page, 'login', device);
      await page.fill('input[name=token]', API_TOKEN);
      await page.click('button[type=submit]');
      await shoot(page, 'overview', device);
      await page.goto(`${base}/console/deliveries?connector=warehouse,permit-registry&state=dead,retrying`);
      await shoot(page, 'deliveries', device);
      await page.goto(`${base}/console/deliveries?connector=warehouse&state=dead`);
      await page.locator('tbody a[href^="/console/deliveries/"]').first().click();
      await shoot(page, 'delivery', device);
      await page.goto(`${base}/console/dead`);
      await shoot(page, 'dead', device);
      await page.locator('form[action="/console/dead/retry"] button').first().click();
      await shoot(page, 'dead-retry-dry-run', device);
      await page.goto(`${base}/console/replays`);
      await page.selectOption('select[name=connector]', 'warehouse');
      await page.fill('input[name=since]', '1h');
      await page.click('form.filters button[type=submit]');
      await shoot(page, 'replays', device);
      await page.close();
    }
  } finally {
    await browser.close();
    await app.close();
    await engine.close();
    for (const system of Object.values(systems)) await new Promise((resolve) => system.server.close(resolve));
    await rm(dataRoot, { recursive: true, force: true });
  }
}

async function shoot(page: Page, name: string, device: string): Promise<void> {
  const path = join(OUT_DIR, `${name}-${device}.png`);
  await page.screenshot({ path, fullPage: device === 'laptop' });
  process.stdout.write(`${path}\n`);
}

/** Waits until every delivery had its first attempt (none pending or in flight). */
async function waitForAttempts(find: (query: { filter: { states: ('pending' | 'inflight')[] }; order: 'asc'; limit: number }) => Promise<{ deliveries: readonly unknown[] }>): Promise<void> {
  for (let tries = 0; tries < 200; tries += 1) {
    if ((await find({ filter: { states: ['pending', 'inflight'] }, order: 'asc', limit: 1 })).deliveries.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('deliveries did not get their first attempt within 10 s');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);

/**
 * `npm run demo`: a newcomer's first look at hms-sync. Starts stand-ins for the three example
 * systems, runs the real engine (`hms-sync run`, a child process) on connectors.d/ with a fresh
 * data dir, posts a few permit events, lets one system fail once to show a retry, then prints every
 * delivery as GET /events/:id reports it. Stops everything and exits 0 when all were delivered.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEngineChild, type EngineChild } from '../bench/engine-process.js';
import { requestJson } from '../bench/http-json.js';
import { SAMPLE_EVENTS } from './demo-events.js';
import { NAME_COLUMN_CHARS, startStandIns } from './demo-receivers.js';
import { formatDeliveries, rowsOf, type DeliveryRow } from './demo-table.js';

const CONNECTORS_DIR = fileURLToPath(new URL('../../connectors.d/', import.meta.url));
/** Each example connector reads its target URL from one variable (see connectors.d/*.yaml). */
const URL_VARIABLES: Readonly<Record<string, string>> = { scheduling: 'SCHEDULING_URL', warehouse: 'WAREHOUSE_URL', 'permit-registry': 'PERMIT_REGISTRY_URL' };
/** Its retry schedule starts at 5s, the shortest of the three. */
const FAILS_ONCE = 'scheduling';
/** Sweep every second, so a retry goes out within a second of falling due. */
const DEMO_SWEEP = '*/1 * * * * *';
/** Longest wait for first attempts, then for the retry: 5 s ±20% jitter, one sweep tick, slack. */
const FIRST_ATTEMPTS_TIMEOUT_MS = 5_000;
const SETTLE_TIMEOUT_MS = 12_000;
const POLL_INTERVAL_MS = 250;

const ENGINE_LABEL = 'engine'.padEnd(NAME_COLUMN_CHARS);
const print = (line = '') => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const startedAt = Date.now();
  print('hms-sync demo');
  print('=============');
  print('Three stand-in systems listen on 127.0.0.1. The engine runs as a child process on the');
  print('example connectors in connectors.d/, with a fresh SQLite data dir that is deleted at the end.');
  print();
  const standIns = await startStandIns(Object.keys(URL_VARIABLES), FAILS_ONCE, print);
  const dataRoot = await mkdtemp(join(tmpdir(), 'hms-sync-demo-'));
  let engine: EngineChild | undefined;
  try {
    for (const system of standIns.systems) {
      print(`  ${system.name.padEnd(NAME_COLUMN_CHARS)} ${system.url}   (${URL_VARIABLES[system.name]})${system.name === FAILS_ONCE ? '   fails its first request with 503' : ''}`);
    }
    const env = Object.fromEntries(standIns.systems.map((system) => [URL_VARIABLES[system.name]!, system.url]));
    const onLine = (line: string) => {
      const shown = describeEngineLine(line);
      if (shown !== undefined) print(shown);
    };
    engine = await startEngineChild({ connectorsDir: CONNECTORS_DIR, dataDir: join(dataRoot, 'data'), env, sweep: DEMO_SWEEP, onLine, logLevel: 'info' });
    print(`  ${ENGINE_LABEL} ${engine.url}   (pid ${engine.pid}, --log-level info, the default)`);
    print('  At info the engine logs start and stop, each API write, each failed attempt and the retry it');
    print('  schedules, each dead delivery, each configuration change, and per connector a delivery summary');
    print('  every minute (and at stop). A successful delivery gets a line of its own only at --log-level debug.');
    print();

    print('1. POST /events, one event at a time. The stand-ins print each request as it arrives:');
    for (const { event, note } of SAMPLE_EVENTS) {
      const answer = await requestJson('POST', `${engine.url}/events`, event);
      const accepted = (answer.body as { accepted?: { deliveries: number }[] }).accepted?.[0];
      print(`  -> ${event.type} ${event.id} (permit ${event.permitId}): HTTP ${answer.status}, ${accepted ? `${accepted.deliveries} deliveries stored` : JSON.stringify(answer.body)}   (${note})`);
      if (answer.status !== 202) throw new Error(`POST /events answered ${answer.status}`);
    }
    const ids = SAMPLE_EVENTS.map(({ event }) => event.id);
    await waitForDeliveries(engine.url, ids, (row) => row.attempts > 0, FIRST_ATTEMPTS_TIMEOUT_MS);
    print();
    print(`2. ${FAILS_ONCE} answered 503 once. Its retry schedule starts at 5s (+/-20% jitter) and the demo`);
    print('   sweeps every second, so the engine tries again in about 5-7 s. Waiting for it...');
    const rows = await waitForDeliveries(engine.url, ids, (row) => row.state === 'delivered' || row.state === 'dead', SETTLE_TIMEOUT_MS);
    print();
    print('3. Every delivery, as GET /events/:id reports it:');
    print(formatDeliveries(rows));
    print();
    const undelivered = rows.filter((row) => row.state !== 'delivered');
    print(undelivered.length === 0 ? `All ${rows.length} deliveries delivered.` : `${undelivered.length} of ${rows.length} deliveries not delivered (see above).`);
    return undelivered.length === 0 ? 0 : 1;
  } finally {
    const exit = await engine?.stop();
    await standIns.close();
    await rm(dataRoot, { recursive: true, force: true });
    print(`Stopped the engine (SIGTERM, exit ${exit ?? 'n/a'}) and the stand-ins after ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);
  }
}

/** Polls GET /events/:id for every id until every delivery satisfies `done`; resolves with the last rows either way. */
async function waitForDeliveries(url: string, ids: readonly string[], done: (row: DeliveryRow) => boolean, timeoutMs: number): Promise<DeliveryRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows: DeliveryRow[] = [];
    for (const id of ids) {
      const answer = await requestJson('GET', `${url}/events/${encodeURIComponent(id)}`);
      if (answer.status === 200) rows.push(...rowsOf(answer.body as Parameters<typeof rowsOf>[0]));
    }
    if (rows.every(done) || Date.now() > deadline) return rows;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** PINO_WARN is pino's numeric level for warn; info lines (start, stop) are shown as their message alone. */
const PINO_WARN = 40;

/** One engine log line (pino JSON) as one readable line; undefined for the "listening on" lines (ours and fastify's), shown already. */
function describeEngineLine(line: string): string | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `  ${ENGINE_LABEL} ${line}`;
  }
  const message = String(entry.msg);
  if (message.startsWith('listening on') || message.startsWith('Server listening at')) return undefined;
  if (message === 'retry scheduled') {
    const dueInMs = Date.parse(String(entry.nextAttemptAt)) - Date.now();
    const inSeconds = Number.isNaN(dueInMs) ? '' : ` next attempt in ${(dueInMs / 1000).toFixed(1)} s`;
    return `  ${ENGINE_LABEL} retry scheduled: ${String(entry.connector)}/${String(entry.route)} attempt ${String(entry.attempt)} got ${String(entry.error)};${inSeconds}`;
  }
  if (message === 'api write') return `  ${ENGINE_LABEL} api write: ${String(entry.request)} -> ${String(entry.status)}${entry.events === undefined ? '' : `, ${String(entry.events)} event(s)`}, by ${String(entry.who)}`;
  if (message === 'delivery summary') {
    const latency = entry.latencyP50Ms === null ? '' : `, latency p50 ~${String(entry.latencyP50Ms)} ms`;
    return `  ${ENGINE_LABEL} delivery summary: ${String(entry.connector)}: ${String(entry.delivered)} delivered, ${String(entry.failed)} failed attempt(s), ${String(entry.retried)} retried, ${String(entry.dead)} dead${latency}`;
  }
  if (typeof entry.level === 'number' && entry.level < PINO_WARN) return `  ${ENGINE_LABEL} ${message}`;
  return `  ${ENGINE_LABEL} ${message} ${JSON.stringify({ ...entry, level: undefined, time: undefined, msg: undefined, name: undefined })}`;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);

/**
 * Child process: the seed's dispatcher, as a reference. For each event, loop over the connectors,
 * map with a JS function and `await fetch` — no store, no retries, nothing survives a crash.
 * `concurrency` events are handled at once (the seed's bus did not bound it at all). Unlike the
 * seed, each response body is read, so connections return to fetch's pool.
 */
import { benchEvent, MAPPED_PATH, type BenchEvent } from './bench-workload.js';
import { parseSenderArgs, reportToParent } from './sender-child.js';
import { ownCpuMs } from './process-cpu.js';

const { url, count, concurrency, deadline } = parseSenderArgs(process.argv.slice(2));

interface NaiveConnector {
  readonly url: string;
  readonly method: string;
  map(event: BenchEvent): unknown;
}

const connectors: NaiveConnector[] = [
  { url: `${url}${MAPPED_PATH}`, method: 'POST', map: (event) => ({ permitId: event.id, date: event.approvedDate, sentAt: event.sentAt }) },
];
let next = 0;
let ok = 0;
let failed = 0;
let firstError: string | null = null;

async function handleEvent(event: BenchEvent): Promise<void> {
  for (const connector of connectors) {
    try {
      const response = await fetch(connector.url, { method: connector.method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(connector.map(event)) });
      await response.arrayBuffer();
      if (response.ok) ok += 1;
      else failed += 1;
    } catch (error) {
      failed += 1;
      firstError ??= error instanceof Error ? error.message : String(error);
    }
  }
}

async function worker(): Promise<void> {
  while (next < count && Date.now() < deadline) {
    const index = next++;
    await handleEvent(benchEvent(`n-${index}`, Date.now()));
  }
}

const startedAt = Date.now();
const cpuAtStart = process.cpuUsage();
await Promise.all(Array.from({ length: concurrency }, worker));
reportToParent({ startedAt, endedAt: Date.now(), ok, failed, firstError, cpuMs: ownCpuMs(cpuAtStart) });

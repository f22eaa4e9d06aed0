/**
 * Child process: the baseline ceiling. A plain undici POST loop, `concurrency` requests in flight
 * over a keep-alive pool, sending the very body the engine's map produces. No store, no JSONata:
 * what the machine, Node and the receiver allow at this concurrency.
 */
import { Pool } from 'undici';
import { MAPPED_PATH, mappedBody } from './bench-workload.js';
import { ownCpuMs } from './process-cpu.js';
import { parseSenderArgs, reportToParent } from './sender-child.js';

const { url, count, concurrency, deadline } = parseSenderArgs(process.argv.slice(2));
const pool = new Pool(url, { connections: concurrency });
let next = 0;
let ok = 0;
let failed = 0;
let firstError: string | null = null;

async function worker(): Promise<void> {
  while (next < count && Date.now() < deadline) {
    const index = next++;
    try {
      const response = await pool.request({ method: 'POST', path: MAPPED_PATH, headers: { 'content-type': 'application/json' }, body: mappedBody(`a-${index}`, Date.now()) });
      await response.body.dump();
      if (response.statusCode >= 200 && response.statusCode < 300) ok += 1;
      else failed += 1;
    } catch (error) {
      failed += 1;
      firstError ??= error instanceof Error ? error.message : String(error);
    }
  }
}

const startedAt = Date.now();
const cpuAtStart = process.cpuUsage();
await Promise.all(Array.from({ length: concurrency }, worker));
const endedAt = Date.now();
const cpuMs = ownCpuMs(cpuAtStart);
await pool.close();
reportToParent({ startedAt, endedAt, ok, failed, firstError, cpuMs });

/**
 * An in-process engine with real connector and source files (see test-engine.ts), for tests of
 * event sources against real brokers. Unlike test-engine's, time is real and the sweep runs every
 * second: with thousands of events on a busy machine an attempt may fail (a keep-alive connection
 * closed under it) and must be retried for the test to see every event. `writeSource` and
 * `removeSource` change the sources directory; `engine.reload()` applies the change, as the
 * watcher would.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../../engine/clock.js';
import type { EngineOptions } from '../../engine/engine.js';
import type { SourceStatus } from '../../engine/bus/sources/source-tally.js';
import { tempDir } from './temp-dir.js';
import { startTestEngine, type TestEngine } from './test-engine.js';
import { waitUntil } from './wait-until.js';

export interface SourceEngine extends Omit<TestEngine, 'clock'> {
  readonly sourcesDir: string;
  writeSource(file: string, text: string): Promise<void>;
  removeSource(file: string): Promise<void>;
  /** Waits until the named source's status satisfies `check`. */
  sourceStatus(name: string, check: (status: SourceStatus) => boolean, what: string, timeoutMs?: number): Promise<SourceStatus>;
}

export async function startSourceEngine(
  connectors: Record<string, string>,
  sources: Record<string, string>,
  env: Record<string, string> = {},
  options: Partial<EngineOptions> = {},
): Promise<SourceEngine> {
  const dir = await tempDir('hms-sync-sources-');
  const sourcesDir = join(dir.path, 'sources.d');
  await mkdir(sourcesDir);
  for (const [file, text] of Object.entries(sources)) await writeFile(join(sourcesDir, file), text);
  let harness: TestEngine;
  try {
    harness = await startTestEngine(connectors, env, { sourcesDir, clock: systemClock, sweepSchedule: '* * * * * *', ...options });
  } catch (error) {
    await dir.cleanup();
    throw error;
  }
  return {
    ...harness,
    sourcesDir,
    writeSource: (file, text) => writeFile(join(sourcesDir, file), text),
    removeSource: (file) => rm(join(sourcesDir, file)),
    sourceStatus: (name, check, what, timeoutMs = 20_000) => waitUntil(async () => {
      const status = (await harness.engine.status()).sources.find((source) => source.name === name);
      return status !== undefined && check(status) ? status : undefined;
    }, `source ${name}: ${what}`, timeoutMs, 25),
    async close() {
      await harness.close();
      await dir.cleanup();
    },
  };
}

/**
 * An in-process engine over real connector files and a real SQLite data directory, with a manual
 * clock and no automatic sweep or retention, so a test decides when time passes, when retries run
 * and when retention deletes.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { manualClock } from '../../engine/clock.js';
import { createEngine, type Engine, type EngineOptions } from '../../engine/engine.js';
import type { DeliveryView, EventView } from '../../engine/store/store.js';
import { captureLogger } from './capture-logger.js';
import { tempDir } from './temp-dir.js';
import { waitUntil } from './wait-until.js';

export interface TestEngine {
  readonly engine: Engine;
  readonly clock: ReturnType<typeof manualClock>;
  readonly logs: ReturnType<typeof captureLogger>;
  readonly dataDir: string;
  /** Waits until every delivery of the event satisfies `done` (default: not pending or inflight). */
  settled(eventId: string, done?: (delivery: DeliveryView) => boolean): Promise<EventView>;
  close(): Promise<void>;
}

const notInProgress = (delivery: DeliveryView) => delivery.state !== 'pending' && delivery.state !== 'inflight';

export async function startTestEngine(files: Record<string, string>, env: Record<string, string> = {}, options: Partial<EngineOptions> = {}): Promise<TestEngine> {
  const dir = await tempDir();
  const connectorsDir = join(dir.path, 'connectors.d');
  await mkdir(connectorsDir);
  for (const [name, text] of Object.entries(files)) await dir.write(join('connectors.d', name), text);
  const clock = manualClock(Date.UTC(2026, 10, 27, 8, 0, 0));
  const logs = captureLogger();
  const dataDir = join(dir.path, 'data');
  const engine = await createEngine({ connectorsDir, dataDir, env, clock, logger: logs.logger, random: () => 0.5, sweepSchedule: null, retentionSchedule: null, ...options });
  return {
    engine,
    clock,
    logs,
    dataDir,
    settled: (eventId, done = notInProgress) =>
      waitUntil(async () => {
        const event = await engine.getEvent(eventId);
        return event && event.deliveries.every(done) ? event : undefined;
      }, `deliveries of event ${eventId} to settle`),
    async close() {
      await engine.close();
      await dir.cleanup();
    },
  };
}

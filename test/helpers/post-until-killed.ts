/**
 * Posts `events` permitApproved events (ids e-0, e-1, …) to a real engine process in batches of
 * `batch`, from `lanes` concurrent loops, and SIGKILLs the engine once half of them are
 * acknowledged, as a crash mid-flight would. Resolves with the ids answered 202; a batch whose
 * request failed because the engine was gone was never acknowledged.
 */
import assert from 'node:assert/strict';
import { request } from 'undici';
import type { EngineProcess } from './engine-process.js';

export async function postUntilKilled(engine: EngineProcess, options: { readonly events: number; readonly batch: number; readonly lanes: number }): Promise<Set<string>> {
  const { events, batch, lanes } = options;
  const acknowledged = new Set<string>();
  const batches = Array.from({ length: events / batch }, (_, b) => Array.from({ length: batch }, (_, i) => ({ type: 'permitApproved', id: `e-${b * batch + i}` })));
  let killed = false;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let b = lane; b < batches.length && !killed; b += lanes) {
        try {
          const response = await request(`${engine.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batches[b]) });
          const body = (await response.body.json()) as { accepted?: { id: string }[] };
          if (response.statusCode === 202) for (const { id } of body.accepted!) acknowledged.add(id);
        } catch {
          return; // the engine is gone; this batch was never acknowledged
        }
        if (acknowledged.size >= events / 2 && !killed) {
          killed = true;
          assert.equal(await engine.stop('SIGKILL'), 'SIGKILL');
        }
      }
    }),
  );
  return acknowledged;
}

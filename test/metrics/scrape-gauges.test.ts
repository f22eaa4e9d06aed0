import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manualClock } from '../../engine/clock.js';
import { HmsError } from '../../engine/errors.js';
import { createEngineMetrics } from '../../engine/metrics/engine-metrics.js';
import { scrapeSources } from '../helpers/metrics-sources.js';

test('a store that cannot be read leaves its delivery gauges out and the rest still answers', async () => {
  let failing = false;
  const readFails = (value: unknown) => async () => {
    if (failing) throw new HmsError('STORE_UNAVAILABLE', 'the disk failed');
    return value as never;
  };
  const sources = scrapeSources({
    store: {
      backlog: readFails([{ connector: 'registry', pending: 4, inflight: 2, retrying: 0, parked: 0, dead: 1, discarded: 0, oldestWaitingAt: Date.UTC(2026, 0, 1) }]),
      size: readFails({ sizeBytes: 8192, dataBytes: 8192, freeBytes: 1 }),
      health: () => ({ writable: !failing, lastFailure: null }),
    },
    sending: () => ({ registry: true }),
  });
  const metrics = createEngineMetrics({ clock: manualClock(Date.UTC(2026, 0, 1, 0, 0, 30)), sources, version: '0.0.0', processMetrics: false });
  const healthy = (await metrics.scrape()).text;
  assert.match(healthy, /^hms_sync_deliveries\{connector="registry",state="pending"\} 4$/m);
  assert.match(healthy, /^hms_sync_deliveries\{connector="registry",state="inflight"\} 2$/m);
  assert.match(healthy, /^hms_sync_oldest_pending_age_seconds\{connector="registry"\} 30$/m);

  failing = true;
  const text = (await metrics.scrape()).text;
  assert.match(text, /^hms_sync_store_writable 0$/m);
  assert.match(text, /^hms_sync_connector_up\{connector="registry"\} 1$/m);
  assert.doesNotMatch(text, /^hms_sync_deliveries\{/m, 'no made-up zeros');
  assert.match(text, /^hms_sync_store_size_bytes 8192$/m, 'the last size read');
});

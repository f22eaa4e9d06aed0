/** What the metrics read when scraped, for tests of the metrics alone: an empty engine, unless told otherwise. */
import type { ScrapeSources } from '../../engine/metrics/scrape-gauges.js';

export function scrapeSources(overrides: Partial<ScrapeSources> = {}): ScrapeSources {
  const store = { backlog: async () => [], size: async () => ({ sizeBytes: 0, dataBytes: 0, freeBytes: 0 }), health: () => ({ writable: true, lastFailure: null }) };
  return { store, sending: () => ({}), configProblems: () => 0, revision: () => 'r', ...overrides };
}

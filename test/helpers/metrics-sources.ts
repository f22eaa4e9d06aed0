/** What the metrics read when scraped, for tests of the metrics alone: an empty engine, unless told otherwise. */
import type { ScrapeSources } from '../../engine/metrics/scrape-gauges.js';

export function scrapeSources(overrides: Partial<ScrapeSources> = {}): ScrapeSources {
  return { backlog: async () => [], storeSizeBytes: async () => 0, storeWritable: () => true, sending: () => ({}), configProblems: () => 0, revision: () => 'r', ...overrides };
}

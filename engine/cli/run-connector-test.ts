/**
 * Runs one connector test: its event goes through this connector's routes exactly as the
 * dispatcher would render it (no network), and the requests are compared with the expectation.
 * Rendering is unmasked so a test can assert a header from `${env:X:-default}`; the result carries
 * the connector's secrets so printing can mask them.
 */
import type { CompiledConnector } from '../config/compiled.js';
import type { ConnectorTestCase } from '../config/load/load-with-tests.js';
import { renderEvent } from './render-event.js';
import type { SyncEvent } from '../model.js';
import { compareRequests, type Mismatch } from './compare-requests.js';

export interface TestResult {
  readonly connector: string;
  readonly name: string;
  /** Where the test is written. */
  readonly file: string;
  /** Empty when the test passed. */
  readonly mismatches: readonly Mismatch[];
  /** To mask when printing the mismatches. */
  readonly secrets: readonly string[];
}

export async function runConnectorTest(connector: CompiledConnector, testCase: ConnectorTestCase, userAgent: string): Promise<TestResult> {
  const { test } = testCase;
  // The schema guarantees an object with a string `type`, which is all an event needs.
  const rendered = await renderEvent([connector], test.event as SyncEvent, { userAgent, maskSecrets: false });
  return {
    connector: connector.name,
    name: test.name,
    file: testCase.file,
    mismatches: compareRequests(test.expect, rendered, connector.target.url),
    secrets: connector.secrets,
  };
}

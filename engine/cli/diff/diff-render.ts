/**
 * One side of a diff: its connectors, tests and samples loaded from a snapshot, and every event
 * rendered (by renderEvent, secrets masked) into the lines the report compares and shows.
 */
import type { CompiledConnector, Problem } from '../../config/compiled.js';
import { loadConnectorsWithTests } from '../../config/load/load-with-tests.js';
import { REDACTED } from '../../dispatch/redact.js';
import { renderEvent } from '../render-event.js';
import { sampleEvents, testEvents, type DiffEvent } from './diff-events.js';
import { loaderInputs, type ConfigTarget, type Snapshot } from './diff-sources.js';

/** Not shown (only connector headers are), so it need not carry the version. */
const DIFF_USER_AGENT = 'hms-sync-diff';

/**
 * No variable is read from the process: defaults apply and any other `${env:NAME}` stays as that
 * text, so the report is the same in CI (which has no secrets) and on a laptop (which may).
 */
const DIFF_ENV: Readonly<Record<string, string>> = Object.freeze({});

export interface LoadedSide {
  readonly connectors: ReadonlyMap<string, CompiledConnector>;
  readonly events: readonly DiffEvent[];
  /** Absolute file paths, as loaded; the report shows them relative to the work tree. */
  readonly problems: readonly Problem[];
}

/** A request as the report compares it, secrets masked: what it sends, or why it could not be rendered. */
export type RequestContent =
  | { readonly error: string }
  | {
      readonly method: string;
      readonly url: string;
      /** The names of the connector's headers (their values are never shown). */
      readonly headers: readonly string[];
      readonly body?: string;
    };

export interface RenderedRequest {
  readonly event: DiffEvent;
  readonly connector: string;
  readonly route: string;
  readonly routeIndex: number;
  readonly content: RequestContent;
  /** `METHOD URL`, then each connector header as `Name: [REDACTED]`, then a blank line and the body (pretty JSON), or `error: ...`. */
  readonly lines: readonly string[];
}

export async function loadSide(snapshot: Snapshot, targets: readonly ConfigTarget[]): Promise<LoadedSide> {
  const loaded = await loadConnectorsWithTests(loaderInputs(snapshot, targets), { env: DIFF_ENV, envOptional: true });
  const samples = await sampleEvents(snapshot);
  return {
    connectors: new Map(loaded.connectors.map((connector) => [connector.name, connector])),
    events: [...testEvents(loaded.tests), ...samples.events],
    problems: [...loaded.problems, ...samples.problems],
  };
}

/** `event.key`, connector and route: what pairs a request of one side with the other's. */
export function requestKey(eventKey: string, connector: string, route: string): string {
  return `${eventKey}\0${connector}\0${route}`;
}

/** Every request every event produces against all of the side's connectors, by requestKey. */
export async function renderSide(connectors: ReadonlyMap<string, CompiledConnector>, events: readonly DiffEvent[]): Promise<Map<string, RenderedRequest>> {
  const all = [...connectors.values()];
  const requests = new Map<string, RenderedRequest>();
  for (const event of events) {
    for (const delivery of await renderEvent(all, event.event, { userAgent: DIFF_USER_AGENT })) {
      const connector = connectors.get(delivery.connector);
      const { request } = delivery;
      // Header values are secrets: only their names are shown, whatever renderEvent masked.
      const content: RequestContent =
        request === undefined
          ? { error: delivery.error ?? 'no request' }
          : { method: request.method, url: request.url, headers: Object.keys(connector?.target.headers ?? {}), ...(request.body !== undefined && { body: request.body }) };
      const routeIndex = connector?.routes.findIndex((route) => route.key === delivery.route) ?? -1;
      requests.set(requestKey(event.key, delivery.connector, delivery.route), { event, connector: delivery.connector, route: delivery.route, routeIndex, content, lines: requestLines(content) });
    }
  }
  return requests;
}

function requestLines(content: RequestContent): string[] {
  if ('error' in content) return [`error: ${content.error}`];
  const lines = [`${content.method} ${content.url}`, ...content.headers.map((name) => `${name}: ${REDACTED}`)];
  return content.body === undefined ? lines : [...lines, '', ...prettyBody(content.body)];
}

function prettyBody(body: string): string[] {
  try {
    return JSON.stringify(JSON.parse(body) as unknown, null, 2).split('\n');
  } catch {
    return body.split('\n');
  }
}

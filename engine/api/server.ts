/**
 * The HTTP API (fastify): ingest, event lookup, deliveries (delivery-routes.ts), pausing
 * connectors, replays, status, metrics, health and readiness. It answers 202 for POST /events only after the events and their deliveries are
 * committed to disk. Every write is logged with who sent it (write-log.ts).
 */
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import type { Engine } from '../engine.js';
import { errorBody, HmsError, httpStatusOf } from '../errors.js';
import { invalidUtf8At } from '../utf8.js';
import type { SyncEvent } from '../model.js';
import { parseJsonEvents, parseNdjsonEvents } from './parse-events-body.js';
import { toEventResponse } from './event-response.js';
import { singleValues } from './delivery-query.js';
import { deliveryRoutes } from './delivery-routes.js';
import { decodeBody } from './decode-body.js';
import { createAccessCheck, PUBLIC_PATHS, refusal } from './api-token.js';
import { createWriteLog } from './write-log.js';
import { registerConnectorRoutes } from './connector-routes.js';
import { registerReplayRoutes } from './replay-routes.js';
import { isConsolePath, registerConsole } from './console/console.js';
import { toStatusResponse } from './status-response.js';
import { createBodyBudget, DEFAULT_MAX_INFLIGHT_BODY_BYTES, limitInflightBodies } from './inflight-bodies.js';
import { createIngestGate, DEFAULT_INGEST_MAX_BYTES, DEFAULT_INGEST_MAX_WAITING_BYTES, DEFAULT_INGEST_MAX_WAIT_MS, type IngestGateOptions } from './ingest-gate.js';

/** Default largest accepted request body. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
/** How long a client may take to send a whole request, headers and body; a slower one gets 408,
 * so a client that trickles bytes cannot hold a connection open forever. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Open connections at most by default; Node closes any further one as soon as it is accepted. */
export const DEFAULT_MAX_CONNECTIONS = 1_000;

export interface ServerOptions {
  readonly engine: Engine;
  readonly logger: Logger;
  readonly bodyLimitBytes?: number;
  /** When set, every request but GET /healthz and GET /readyz needs `Authorization: Bearer <token>`
   * with this token or one of the others, each of which may do less (api-token.ts). */
  readonly apiToken?: string;
  /** With an apiToken: a token that may read (every GET), not act. */
  readonly readToken?: string;
  /** With an apiToken: a token that opens POST /events only. */
  readonly ingestToken?: string;
  /** With an apiToken: a token that opens GET /metrics only, for a scraper. */
  readonly metricsToken?: string;
  readonly requestTimeoutMs?: number;
  /** How many POST /events batches are worked on at once, and how long others wait (ingest-gate.ts). */
  readonly ingestGate?: Partial<IngestGateOptions>;
  readonly maxConnections?: number;
  /** Request bodies held at once, counted before they are read (inflight-bodies.ts). */
  readonly maxInflightBodyBytes?: number;
  /** The console's time (sessions, the last hour); the system clock by default. */
  readonly clock?: Clock;
}

/** A POST /events body as read; it is parsed once the ingest gate lets its batch proceed. */
interface EventsBody {
  readonly text: string;
  readonly parse: (text: string) => SyncEvent[];
}

export function buildServer(options: ServerOptions) {
  const { engine } = options;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const ingestGate = createIngestGate({
    maxBytes: DEFAULT_INGEST_MAX_BYTES,
    maxWaitingBytes: DEFAULT_INGEST_MAX_WAITING_BYTES,
    maxWaitMs: DEFAULT_INGEST_MAX_WAIT_MS,
    ...options.ingestGate,
  });
  const app = Fastify({
    requestTimeout: requestTimeoutMs,
    // Node enforces the timeout when it checks its connections (every 30 s by default): check at
    // a quarter of the timeout so a late request is cut within 25% of it. Headers may take no
    // longer than the whole request.
    http: { headersTimeout: Math.min(requestTimeoutMs, 60_000), connectionsCheckingInterval: Math.max(10, Math.floor(requestTimeoutMs / 4)) },
    loggerInstance: options.logger,
    // One log line per delivery outcome is the engine's contract; per-request lines would drown it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: bodyLimitBytes,
    // Keep-alive sockets must not hold a shutdown open.
    forceCloseConnections: 'idle',
  });

  app.server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const bodyBudget = createBodyBudget(options.maxInflightBodyBytes ?? DEFAULT_MAX_INFLIGHT_BODY_BYTES);
  // Counted first, as the bytes arrive on the wire, then decompressed.
  app.addHook('preParsing', limitInflightBodies(bodyBudget, bodyLimitBytes));
  app.addHook('preParsing', decodeBody(bodyLimitBytes));
  app.removeAllContentTypeParsers();
  // JSON is UTF-8 (RFC 8259): a body in another encoding is refused rather than decoded with
  // replacement characters, which would store altered events.
  const bodyOf = (parse: EventsBody['parse']) => (_request: unknown, bytes: string | Buffer, done: (error: Error | null, body?: EventsBody) => void) => {
    const invalid = invalidUtf8At(bytes as Buffer);
    if (invalid === undefined) done(null, { text: bytes.toString(), parse });
    else done(new HmsError('INGEST_INVALID_JSON', `body is not valid UTF-8 at line ${invalid.line}, column ${invalid.column}; JSON must be sent as UTF-8`));
  };
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, bodyOf(parseJsonEvents));
  app.addContentTypeParser(['application/x-ndjson', 'application/ndjson'], { parseAs: 'buffer' }, bodyOf(parseNdjsonEvents));

  const writeLog = createWriteLog(options.logger);
  app.addHook('onResponse', writeLog.onResponse);
  // POST /events requests whose events reached the engine, which counts them itself when it refuses them.
  const reachedEngine = new WeakSet<object>();

  app.setErrorHandler((error, request, reply) => {
    const known = error instanceof HmsError ? error : fromFastifyError(error);
    writeLog.note(request, { error: known?.code ?? 'INTERNAL' });
    if (request.method === 'POST' && request.routeOptions.url === '/events' && !reachedEngine.has(request)) engine.rejected(known ?? error, 1);
    // Unknown errors, and a store that cannot write, need an operator; the rest is the client's.
    if (!known || known.code === 'STORE_UNAVAILABLE') request.log.error({ err: error, url: request.url }, 'request failed');
    const status = known ? httpStatusOf(known) : 500;
    if (known?.code === 'INGEST_BUSY') void reply.header('retry-after', '1');
    void reply.status(status).send(errorBody(known ?? error));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody(new HmsError('NOT_FOUND', `no route ${request.method} ${request.url}`)));
  });

  const access = createAccessCheck({ api: options.apiToken, read: options.readToken, ingest: options.ingestToken, metrics: options.metricsToken });
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0]!;
    const decision = access(request.method, path, request.headers.authorization);
    writeLog.who(request, decision.who);
    // The console checks its own sessions (console/console-access.ts), with the same rules.
    if (decision.refused !== undefined && !PUBLIC_PATHS.has(path) && !isConsolePath(path)) throw refusal(decision, request.method, request.routeOptions.url ?? path);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  // Readiness: 503 stops a load balancer or Kubernetes from sending events here; problems in
  // connector files do not (the valid connectors serve, and events for the others wait).
  app.get('/readyz', async (_request, reply) => {
    const { ready, reasons, warnings } = engine.readiness();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', reasons, warnings });
  });

  app.get('/status', async () => toStatusResponse(await engine.status()));

  app.get('/metrics', async (_request, reply) => {
    const { contentType, text } = await engine.metrics();
    return reply.type(contentType).send(text);
  });

  app.post('/events', async (request, reply) => {
    const body = request.body as EventsBody | undefined;
    if (body === undefined) {
      throw new HmsError('INGEST_EMPTY', 'the request holds no events; send a JSON object, a JSON array or NDJSON');
    }
    const release = await ingestGate.admit(body.text.length);
    try {
      const events = body.parse(body.text);
      reachedEngine.add(request);
      writeLog.note(request, { events: events.length });
      const { traceparent } = request.headers;
      const results = await engine.ingest(events, 'http', typeof traceparent === 'string' ? traceparent : undefined);
      writeLog.note(request, { duplicates: results.filter((result) => result.duplicate).length });
      return reply.status(202).send({
        accepted: results.map((result) => (result.duplicate ? { id: result.id, deliveries: 0, duplicate: true } : { id: result.id, deliveries: result.deliveries })),
      });
    } finally {
      release();
    }
  });

  app.get<{ Params: { id: string } }>('/events/:id', async (request) => {
    const { body } = singleValues(request.query as Record<string, unknown>, ['body']);
    if (body !== undefined && body !== 'true' && body !== 'false') throw new HmsError('QUERY_INVALID', `"body" must be true or false, not ${JSON.stringify(body.slice(0, 40))}`);
    const event = await engine.getEvent(request.params.id);
    if (!event) throw new HmsError('NOT_FOUND', `no event with id "${request.params.id}"`);
    return toEventResponse(event, body !== 'false');
  });

  deliveryRoutes(app, engine, writeLog);

  registerConnectorRoutes(app, engine, writeLog);
  registerReplayRoutes(app, engine, writeLog);
  registerConsole(app, { engine, writeLog, clock: options.clock ?? systemClock, tokens: { api: options.apiToken, read: options.readToken, ingest: options.ingestToken, metrics: options.metricsToken } });

  return app;
}

/** Maps fastify's own errors (body limit, content type, empty body) onto our catalogue. */
function fromFastifyError(error: unknown): HmsError | undefined {
  const { code, statusCode, message } = error as { code?: string; statusCode?: number; message?: string };
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HmsError('INGEST_TOO_LARGE', 'request body is over the body limit; send smaller batches or raise --body-limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HmsError('INGEST_UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json or application/x-ndjson');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HmsError('INGEST_EMPTY', 'the request body is empty; send at least one event');
    default:
      if (statusCode === 413) return new HmsError('INGEST_TOO_LARGE', message ?? 'request body too large');
      if (statusCode === 415) return new HmsError('INGEST_UNSUPPORTED_MEDIA_TYPE', message ?? 'unsupported media type');
      if (statusCode === 400) return new HmsError('INGEST_INVALID_JSON', message ?? 'bad request');
      return undefined;
  }
}

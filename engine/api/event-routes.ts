/**
 * POST /events and GET /events/:id. A POST /events answers 202 only after its events and their
 * deliveries are committed (engine.ingest); its body is read as bytes, checked to be UTF-8, and
 * parsed only once the ingest gate admits it, so waiting batches cost their bytes, not their objects.
 */
import type { Engine } from '../engine.js';
import { HmsError } from '../errors.js';
import { invalidUtf8At } from '../utf8.js';
import type { SyncEvent } from '../model.js';
import { parseJsonEvents, parseNdjsonEvents } from './parse-events-body.js';
import { toEventResponse } from './event-response.js';
import { singleValues } from './delivery-query.js';
import type { IngestGate } from './ingest-gate.js';
import type { WriteLog } from './write-log.js';
import type { ApiApp } from './api-app.js';

/** A POST /events body as read; it is parsed once the ingest gate lets its batch proceed. */
interface EventsBody {
  readonly text: string;
  readonly parse: (text: string) => SyncEvent[];
}

/** JSON and NDJSON bodies, kept as text; every other content type is refused. */
export function registerEventParsers(app: ApiApp): void {
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
}

export interface EventRoutesOptions {
  readonly engine: Engine;
  readonly writeLog: WriteLog;
  readonly ingestGate: IngestGate;
  /** POST /events requests whose events reached the engine (which then counts a refusal itself). */
  readonly reachedEngine: WeakSet<object>;
}

export function registerEventRoutes(app: ApiApp, { engine, writeLog, ingestGate, reachedEngine }: EventRoutesOptions): void {
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
}

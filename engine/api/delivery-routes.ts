/**
 * The deliveries of the HTTP API: find them (GET /deliveries), read one (GET /deliveries/:id),
 * and act on them: retry and discard one (POST /deliveries/:id/retry, /discard) or every one a
 * filter selects (POST /deliveries/retry, /discard; `dryRun=true` changes nothing). Each write is
 * noted in its request's log line (write-log.ts): what it named, and how many it changed.
 */
import type { FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Engine } from '../engine.js';
import { HmsError } from '../errors.js';
import type { DeliveryAction } from '../store/store.js';
import { parseBulkQuery, parseListQuery } from './delivery-query.js';
import { toDeliveryListResponse, toDeliveryPageResponse } from './delivery-response.js';
import type { WriteLog } from './write-log.js';

/** What the answer of an action calls the deliveries it changed; a retry is accepted (202): the
 * deliveries go out afterwards. */
const ANSWER = { retry: { status: 202, changed: 'retried' }, discard: { status: 200, changed: 'discarded' } } as const;

export function deliveryRoutes(app: FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, Logger>, engine: Engine, writeLog: WriteLog): void {
  app.get('/deliveries', async (request) => toDeliveryListResponse(await engine.findDeliveries(parseListQuery(request.query as Record<string, unknown>))));

  app.get<{ Params: { id: string } }>('/deliveries/:id', async (request) => {
    const page = await engine.getDelivery(request.params.id);
    if (page === undefined) throw new HmsError('NOT_FOUND', `no delivery with id "${request.params.id}"`);
    return toDeliveryPageResponse(page);
  });

  for (const action of ['retry', 'discard'] as const satisfies readonly DeliveryAction[]) {
    const { status, changed } = ANSWER[action];

    app.post(`/deliveries/${action}`, async (request, reply) => {
      const { dryRun, ...selection } = parseBulkQuery(request.query as Record<string, unknown>);
      // The parameters as given (each a string, once: parseBulkQuery checked).
      writeLog.note(request, request.query as Record<string, string>);
      const result = await engine.actOnDeliveries(action, selection, dryRun);
      writeLog.note(request, { [dryRun ? 'matched' : changed]: result.matched });
      if (dryRun) return reply.status(200).send({ dryRun: true, matched: result.matched, sample: result.sample ?? [] });
      return reply.status(status).send({ matched: result.matched, [changed]: result.matched });
    });

    app.post<{ Params: { id: string } }>(`/deliveries/:id/${action}`, async (request, reply) => {
      writeLog.note(request, { deliveryId: request.params.id });
      const done = await engine.actOnDelivery(action, request.params.id);
      writeLog.note(request, { [changed]: done });
      return reply.status(status).send({ [changed]: done });
    });
  }
}

/**
 * One info line per API write (every request but GET and HEAD), whatever its answer: who sent it
 * (the name of its token, or `anonymous loopback` when the API has none), what it asked (method
 * and route), the status it got, and how many events or deliveries it moved. Reads are not logged:
 * a scraper or a dashboard polling /status would drown the lines that matter.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

/** What a handler adds to its request's line: counts, the delivery or connector it named, the error code. */
export type WriteFields = Readonly<Record<string, string | number>>;

export interface WriteLog {
  /** Records who sent the request (see api-token.ts); undefined when its token was refused. */
  who(request: FastifyRequest, who: string | undefined): void;
  /** Who sent the request, as its line names them. */
  whoOf(request: FastifyRequest): string;
  /** Adds fields to the request's line. */
  note(request: FastifyRequest, fields: WriteFields): void;
  /** The onResponse hook that writes the line. */
  onResponse(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

export function createWriteLog(logger: Logger): WriteLog {
  const notes = new WeakMap<FastifyRequest, { who: string; fields: WriteFields }>();
  const notesOf = (request: FastifyRequest) => {
    let entry = notes.get(request);
    if (entry === undefined) notes.set(request, (entry = { who: 'no valid token', fields: {} }));
    return entry;
  };
  return {
    who(request, who) {
      notesOf(request).who = who ?? 'no valid token';
    },
    whoOf: (request) => notesOf(request).who,
    note(request, fields) {
      const entry = notesOf(request);
      entry.fields = { ...entry.fields, ...fields };
    },
    async onResponse(request, reply) {
      if (request.method === 'GET' || request.method === 'HEAD') return;
      const { who, fields } = notesOf(request);
      const path = request.routeOptions.url ?? request.url.split('?')[0]!;
      logger.info({ who, request: `${request.method} ${path}`, status: reply.statusCode, ...fields }, 'api write');
    },
  };
}

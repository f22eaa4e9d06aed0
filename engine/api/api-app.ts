/** The fastify instance the API builds (server.ts), as the files that add routes to it take it. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, RawServerDefault } from 'fastify';
import type { Logger } from 'pino';

export type ApiApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, Logger>;

/** What every console page's routes are given (console.ts builds it). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Engine } from '../../engine.js';
import type { WriteLog } from '../write-log.js';
import type { Html } from './html.js';
import type { Viewer } from './layout.js';

export interface ConsolePages {
  readonly engine: Engine;
  readonly clock: Clock;
  readonly writeLog: WriteLog;
  /** Who is looking; the console's onRequest hook has let them in. */
  viewerOf(request: FastifyRequest): Viewer;
  /** Answers with a page. */
  send(reply: FastifyReply, body: Html, status?: number): FastifyReply;
}

/** A form's fields, as the console's form parser makes them (one string each). */
export function formOf(request: FastifyRequest): Readonly<Record<string, string>> {
  return (request.body as Record<string, string> | undefined) ?? {};
}

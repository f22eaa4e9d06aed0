/**
 * The operator console (issue 14 §4): server-rendered pages under /console, built on the same
 * engine services as the API (never on its HTTP endpoints), with their own access check
 * (console-access.ts) in place of the API's Bearer check, which skips only these paths
 * (isConsolePath). Every answer carries the console's security headers (layout.ts); errors are
 * pages, with the status and code the API would answer.
 *
 *   /console/                    overview: connectors, last hour, files    overview-page.ts
 *   /console/deliveries[/:id]    find deliveries; one with its attempts     deliveries-page.ts, delivery-page.ts
 *   /console/dead                dead letters grouped, bulk retry           dead-page.ts
 *   /console/replays             dry run, start, progress, cancel           replays-page.ts
 *   /console/login, /logout      sessions when the API has a token          login-routes.ts
 *   /console/assets/:name        the stylesheet and the script              assets.ts
 */
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Engine } from '../../engine.js';
import { describeFailure, HmsError, httpStatusOf } from '../../errors.js';
import type { ApiApp } from '../api-app.js';
import type { ApiTokens } from '../api-token.js';
import type { WriteLog } from '../write-log.js';
import { CONSOLE_ASSETS } from './assets.js';
import { createConsoleAccess, LOGIN_PATH } from './console-access.js';
import { registerDeadPage } from './dead-page.js';
import { registerDeliveriesPage } from './deliveries-page.js';
import { registerDeliveryPage } from './delivery-page.js';
import { html, type Html } from './html.js';
import { notice, page, SECURITY_HEADERS } from './layout.js';
import { registerLoginRoutes } from './login-routes.js';
import { registerOverviewPage } from './overview-page.js';
import { registerReplaysPage } from './replays-page.js';
import { createSessions } from './session.js';
import type { ConsolePages } from './console-pages.js';

/** Largest console form body: forms hold filters and a token, never events. */
const FORM_BODY_LIMIT_BYTES = 64 * 1024;

export interface ConsoleOptions {
  readonly engine: Engine;
  readonly tokens: ApiTokens;
  readonly writeLog: WriteLog;
  readonly clock: Clock;
}

/** Whether the console, not the API's Bearer check, decides who may make a request to `path`. */
export function isConsolePath(path: string): boolean {
  return path === '/console' || path.startsWith('/console/');
}

export function registerConsole(app: ApiApp, options: ConsoleOptions): void {
  void app.register(
    async (plugin) => {
      // The child context of the API's own app: the same logger, typed by fastify as its base.
      const scope = plugin as unknown as ApiApp;
      const access = createConsoleAccess({ tokens: options.tokens, sessions: createSessions(options.clock), writeLog: options.writeLog });
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT_BYTES }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      });
      scope.addHook('onSend', async (_request, reply, payload) => {
        void reply.headers(SECURITY_HEADERS);
        return payload;
      });
      scope.addHook('onRequest', access.identify);
      scope.addHook('preHandler', access.checkForm);

      const pages: ConsolePages = {
        engine: options.engine,
        clock: options.clock,
        writeLog: options.writeLog,
        viewerOf(request) {
          const viewer = access.viewerOf(request);
          if (viewer === undefined) throw new HmsError('UNAUTHORIZED', 'log in to the console first');
          return viewer;
        },
        send: (reply, body, status = 200) => reply.status(status).type('text/html; charset=utf-8').send(String(body)),
      };

      scope.setErrorHandler((error, request, reply) => {
        const known = error instanceof HmsError ? error : undefined;
        options.writeLog.note(request, { error: known?.code ?? 'INTERNAL' });
        if (known === undefined) request.log.error({ err: error, url: request.url }, 'console request failed');
        const status = known ? httpStatusOf(known) : httpStatusOfFastify(error);
        const message = known ? `${known.code}: ${known.message}` : status < 500 ? describeFailure(error) : 'INTERNAL: the engine failed to answer; its log says why';
        return pages.send(reply, errorPage(request, pages, status, message), status);
      });
      scope.setNotFoundHandler((request, reply) => pages.send(reply, errorPage(request, pages, 404, `NOT_FOUND: no console page ${request.url.split('?')[0]}`), 404));

      scope.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
        const asset = CONSOLE_ASSETS.get(request.params.name);
        if (asset === undefined) throw new HmsError('NOT_FOUND', `no console asset "${request.params.name}"`);
        return reply.type(asset.contentType).send(asset.text);
      });
      registerLoginRoutes(scope, access, options.writeLog);
      registerOverviewPage(scope, pages);
      registerDeliveriesPage(scope, pages);
      registerDeliveryPage(scope, pages);
      registerDeadPage(scope, pages);
      registerReplaysPage(scope, pages);
    },
    { prefix: '/console' },
  );
}

function errorPage(request: FastifyRequest, pages: ConsolePages, status: number, message: string): Html {
  let viewer;
  try {
    viewer = pages.viewerOf(request);
  } catch {
    viewer = undefined;
  }
  const back = viewer === undefined ? html`<a href="${LOGIN_PATH}">Log in</a>` : html`<a href="/console/">Back to the overview</a>`;
  return page(`Error ${status}`, '', viewer, html`${notice(message, 'error')}<p>${back}</p>`);
}

/** Fastify's own errors (a body too large, a bad content type) keep their status. */
function httpStatusOfFastify(error: unknown): number {
  const status = (error as { statusCode?: number }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}


/**
 * GET /console/login (the token form), POST /console/login (a session for a token that may read:
 * 303 to the overview; a wrong token 401, a token that may not read the console 403, each on the
 * form again) and POST /console/logout (ends the session, clears the cookie). The token is never
 * written back into a page, a log line or a URL.
 */
import type { ApiApp } from '../api-app.js';
import type { WriteLog } from '../write-log.js';
import type { ConsoleAccess } from './console-access.js';
import { html } from './html.js';
import { notice, page } from './layout.js';

const WRONG_TOKEN = 'That token is not one this engine knows. Try again.';
const CANNOT_OPEN = (who: string) => `The ${who} cannot open the console: log in with HMS_SYNC_API_TOKEN, or HMS_SYNC_READ_TOKEN to read only.`;

function loginPage(problem?: string) {
  return page(
    'Log in',
    '/console/login',
    undefined,
    html`${problem !== undefined && notice(problem, 'error')}
<form class="stack" method="post" action="/console/login">
<label>API or read token<input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Log in</button>
</form>
<p class="muted">The token is HMS_SYNC_API_TOKEN (may act) or HMS_SYNC_READ_TOKEN (may read). The session lasts 12 hours.</p>`,
  );
}

export function registerLoginRoutes(app: ApiApp, access: ConsoleAccess, writeLog: WriteLog): void {
  app.get('/login', async (_request, reply) => {
    if (!access.needsLogin) return reply.redirect('/console/', 303);
    return reply.type('text/html; charset=utf-8').send(String(loginPage()));
  });

  app.post('/login', async (request, reply) => {
    if (!access.needsLogin) return reply.redirect('/console/', 303);
    const token = (request.body as Record<string, string> | undefined)?.token ?? '';
    const decision = access.login(token);
    if ('refused' in decision) {
      writeLog.who(request, decision.who);
      writeLog.note(request, { error: decision.refused });
      const status = decision.refused === 'UNAUTHORIZED' ? 401 : 403;
      return reply.status(status).type('text/html; charset=utf-8').send(String(loginPage(status === 401 ? WRONG_TOKEN : CANNOT_OPEN(decision.who ?? 'token'))));
    }
    writeLog.who(request, decision.who);
    const secure = request.protocol === 'https';
    return reply.header('set-cookie', access.startSession(decision, secure)).redirect('/console/', 303);
  });

  app.post('/logout', async (request, reply) => reply.header('set-cookie', access.endSession(request)).redirect(access.needsLogin ? '/console/login' : '/console/', 303));
}

/**
 * A console under test: a real engine over real files and SQLite (test-engine.ts) with the API's
 * server, driven by inject like a browser: it keeps the session cookie, reads the CSRF token off
 * the pages and posts forms as a browser posts them.
 */
import type { LightMyRequestResponse } from 'fastify';
import { buildServer, type ServerOptions } from '../../../engine/api/server.js';
import type { TestEngine } from '../../helpers/test-engine.js';

export const HOSTILE = '<img src=x onerror=alert(1)>"><script>window.__pwned=1</script>';

export interface ConsoleClient {
  readonly app: ReturnType<typeof buildServer>;
  get(url: string): Promise<LightMyRequestResponse>;
  /** Posts a form; `_csrf` is the last page's token unless `fields` says otherwise. */
  post(url: string, fields?: Record<string, string>, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** The session cookie, once logged in. */
  cookie: string | undefined;
  csrf: string | undefined;
}

export async function consoleClient(harness: TestEngine, options: Partial<ServerOptions> = {}): Promise<ConsoleClient> {
  const app = buildServer({ engine: harness.engine, logger: harness.logs.logger, clock: harness.clock, ...options });
  await app.ready();
  const client: ConsoleClient = {
    app,
    cookie: undefined,
    csrf: undefined,
    async get(url) {
      const response = await app.inject({ method: 'GET', url, headers: client.cookie ? { cookie: client.cookie } : {} });
      remember(response);
      return response;
    },
    async post(url, fields = {}, headers = {}) {
      const form = new URLSearchParams({ ...(client.csrf !== undefined && { _csrf: client.csrf }), ...fields });
      const response = await app.inject({
        method: 'POST',
        url,
        payload: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(client.cookie && { cookie: client.cookie }), ...headers },
      });
      remember(response);
      return response;
    },
  };
  const remember = (response: LightMyRequestResponse) => {
    const setCookie = response.headers['set-cookie'];
    const value = /^hms_console=([^;]*)/.exec(String(setCookie ?? ''))?.[1];
    if (value !== undefined) client.cookie = value === '' ? undefined : `hms_console=${value}`;
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token !== undefined) client.csrf = token;
  };
  return client;
}

/** The text of a page without its markup, entities decoded, for assertions about what it says. */
export function textOf(page: string): string {
  return page
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

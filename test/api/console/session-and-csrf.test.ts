/** Console sessions (random ids, expiry, logout, a cap) and the CSRF check (token, origin). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manualClock } from '../../../engine/clock.js';
import { cookieValue } from '../../../engine/api/console/console-access.js';
import { checkCsrf, crossSiteReason, csrfTokenMatches } from '../../../engine/api/console/csrf.js';
import { createSessions, MAX_SESSIONS, SESSION_TTL_MS } from '../../../engine/api/console/session.js';
import { HmsError } from '../../../engine/errors.js';

test('a session has a random 256-bit id and CSRF token, and is found by its id until it expires', () => {
  const clock = manualClock();
  const sessions = createSessions(clock);
  const a = sessions.start('api token', true);
  const b = sessions.start('read token', false);
  assert.match(a.id, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.csrfToken, b.csrfToken);
  assert.notEqual(a.id, a.csrfToken);
  assert.equal(sessions.get(a.id)?.who, 'api token');
  assert.equal(sessions.get(b.id)?.mayAct, false);
  assert.equal(sessions.get('nope'), undefined);
  assert.equal(sessions.get(undefined), undefined);
  clock.advance(SESSION_TTL_MS - 1);
  assert.ok(sessions.get(a.id));
  clock.advance(1);
  assert.equal(sessions.get(a.id), undefined, 'expired at its lifetime');
  assert.equal(sessions.get(b.id), undefined);
});

test('ending a session forgets it; past the cap the oldest session ends', () => {
  const sessions = createSessions(manualClock());
  const first = sessions.start('api token', true);
  const second = sessions.start('api token', true);
  sessions.end(second.id);
  assert.equal(sessions.get(second.id), undefined);
  for (let i = 0; i < MAX_SESSIONS; i += 1) sessions.start('read token', false);
  assert.equal(sessions.get(first.id), undefined, 'the oldest went');
});

test('a CSRF token matches only itself, and only as a string', () => {
  assert.ok(csrfTokenMatches('abc', 'abc'));
  for (const presented of ['abd', 'ab', 'abcd', '', undefined, ['abc'], 42]) assert.equal(csrfTokenMatches('abc', presented), false, String(presented));
});

test('a post from another site is refused even with the right token; one without the headers is judged by its token', () => {
  const refused = (token: unknown, headers: Record<string, string>) => {
    try {
      checkCsrf('tok', token, headers);
      return undefined;
    } catch (error) {
      assert.ok(error instanceof HmsError);
      return error.code;
    }
  };
  assert.equal(refused('tok', {}), undefined);
  assert.equal(refused('tok', { host: 'localhost:8080', origin: 'http://localhost:8080', 'sec-fetch-site': 'same-origin' }), undefined);
  assert.equal(refused('tok', { 'sec-fetch-site': 'none' }), undefined);
  assert.equal(refused('bad', {}), 'CSRF_INVALID');
  assert.equal(refused(undefined, {}), 'CSRF_INVALID');
  assert.equal(refused('tok', { 'sec-fetch-site': 'cross-site' }), 'CSRF_INVALID');
  assert.equal(refused('tok', { 'sec-fetch-site': 'same-site' }), 'CSRF_INVALID');
  assert.equal(refused('tok', { host: 'localhost:8080', origin: 'http://evil.example' }), 'CSRF_INVALID');
  // Chromium's Origin for our own forms under Referrer-Policy: no-referrer.
  assert.equal(refused('tok', { host: 'localhost:8080', origin: 'null', 'sec-fetch-site': 'same-origin' }), undefined);
  assert.equal(refused('tok', { host: 'localhost:8080', origin: 'null', 'sec-fetch-site': 'cross-site' }), 'CSRF_INVALID');
  assert.equal(refused('bad', { host: 'localhost:8080', origin: 'null' }), 'CSRF_INVALID');
  assert.match(crossSiteReason({ host: 'a:1', origin: 'http://a:2' }) ?? '', /Origin http:\/\/a:2/);
});

test('the session cookie is read from a Cookie header among others', () => {
  assert.equal(cookieValue('a=1; hms_console=xyz; b=2', 'hms_console'), 'xyz');
  assert.equal(cookieValue('hms_consolex=1', 'hms_console'), undefined);
  assert.equal(cookieValue(undefined, 'hms_console'), undefined);
});

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { LoadResult } from '../../engine/config/compiled.js';
import { DEFAULT_RETRY_MAX_RETRY_AFTER_MS } from '../../engine/config/schema/defaults.generated.js';
import { loadConnectors } from '../../engine/config/load/load-connectors.js';
import { connectorDir, lines } from './connector-dir.js';

/** A connector whose extra lines start at line 4. */
async function load(t: TestContext, extra: string[], env: Record<string, string> = {}): Promise<LoadResult> {
  const text = lines('name: options', 'target:', '  url: https://x', ...extra, 'routes:', '  - on: permitApproved');
  return loadConnectors(await connectorDir(t, { 'c.yaml': text }), { env });
}

const summary = (result: LoadResult) => result.problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.message}`);

const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

test('a connector without the new options gets none, and the default maxRetryAfter', async (t) => {
  const [c] = (await load(t, [])).connectors;
  assert.ok(c);
  for (const field of ['auth', 'tls', 'signing', 'rateLimit', 'breaker', 'orderingKey'] as const) assert.equal(c[field], undefined, field);
  assert.equal(c.retry.retryOn, undefined);
  assert.equal(c.retry.maxRetryAfterMs, DEFAULT_RETRY_MAX_RETRY_AFTER_MS);
});

test('signing keeps its secrets as written, each one a secret', async (t) => {
  const result = await load(t, ['signing:', '  secrets:', `    - ${WHSEC}`, '    - ${env:OLD_SECRET}'], { OLD_SECRET: 'raw-old-secret' });
  assert.deepEqual(result.problems, []);
  const [c] = result.connectors;
  assert.deepEqual(c?.signing, { secrets: [WHSEC, 'raw-old-secret'] });
  assert.deepEqual(c?.secrets, [WHSEC, 'raw-old-secret']);
  assert.ok(Object.isFrozen(c?.signing?.secrets));
});

test('a whsec_ secret must be base64 after the prefix; the problem never quotes it', async (t) => {
  for (const bad of ['whsec_not*base64', 'whsec_', 'whsec_abc', 'whsec_YWJj=']) {
    const result = await load(t, ['signing:', '  secrets:', '    - raw-secret-is-fine', `    - "${bad}"`]);
    assert.deepEqual(summary(result), [
      '7:7 CONFIG_SCHEMA signing.secrets[1]: starts with whsec_ but what follows is not valid base64; copy the whole secret as issued, or drop the whsec_ prefix to use the text itself as the key',
    ], bad);
  }
});

test('rateLimit becomes requests per second, keeping its text', async (t) => {
  assert.deepEqual((await load(t, ['rateLimit: 600/m'])).connectors[0]?.rateLimit, { perSecond: 10, text: '600/m' });
  assert.deepEqual(summary(await load(t, ['rateLimit: 50/sec'])), [
    '4:12 CONFIG_SCHEMA rateLimit: "50/sec" is not a rate; write a whole number of requests per s, m or h (e.g. 50/s, 600/m)',
  ]);
});

test('breaker compiles failures and its cooldown in ms, which must be at least 1ms', async (t) => {
  assert.deepEqual((await load(t, ['breaker: { failures: 5, cooldown: 30s }'])).connectors[0]?.breaker, { failures: 5, cooldownMs: 30_000 });
  assert.deepEqual(summary(await load(t, ['breaker:', '  failures: 0', '  cooldown: 0s'])), ['5:13 CONFIG_SCHEMA breaker.failures: 0 is out of range; use a whole number from 1 to 100000']);
  assert.deepEqual(summary(await load(t, ['breaker:', '  failures: 3', '  cooldown: 0s'])), [
    '6:13 CONFIG_SCHEMA breaker.cooldown: must be between 1ms and 2147483647ms (about 24 days)',
  ]);
  assert.deepEqual(summary(await load(t, ['breaker:', '  failures: 3'])), ['5:3 CONFIG_SCHEMA breaker: missing required field "cooldown"']);
});

test('orderingKey is JSONata compiled once; a syntax error points at its token', async (t) => {
  const key = (await load(t, ['orderingKey: $string(permit.id)'])).connectors[0]?.orderingKey;
  assert.equal(await key?.evaluate({ permit: { id: 42 } }), '42');
  assert.deepEqual(summary(await load(t, ['orderingKey: "permit.(id"'])), ['4:24 CONFIG_JSONATA_SYNTAX orderingKey: invalid JSONata: Expected ")" before end of expression']);
});

test('retry.on becomes a predicate; 2xx entries and non-statuses are problems', async (t) => {
  const [c] = (await load(t, ['retry:', '  on: [409, 429, 5xx]', '  maxRetryAfter: 10m'])).connectors;
  assert.deepEqual([409, 429, 500, 503, 408, 400].map((status) => c?.retry.retryOn?.(status)), [true, true, true, true, false, false]);
  assert.equal(c?.retry.maxRetryAfterMs, 600_000);
  assert.ok(Object.isFrozen(c?.retry.retryOn));
  assert.deepEqual(summary(await load(t, ['retry:', '  on: [204, 2xx, 5xx]'])), [
    '5:8 CONFIG_SCHEMA retry.on[0]: 204 is a success: 2xx answers are delivered, never retried; remove it',
    '5:13 CONFIG_SCHEMA retry.on[1]: 2xx is a success: 2xx answers are delivered, never retried; remove it',
  ]);
  assert.deepEqual(summary(await load(t, ['retry:', '  on: [600, 5XX]', '  maxRetryAfter: 1 hour'])), [
    '5:8 CONFIG_SCHEMA retry.on[0]: 600 is not a status code or class; write a status from 100 to 599 (e.g. 409) or a class such as 5xx',
    '5:13 CONFIG_SCHEMA retry.on[1]: "5XX" is not a status code or class; write a status from 100 to 599 (e.g. 409) or a class such as 5xx',
    '6:18 CONFIG_SCHEMA retry.maxRetryAfter: "1 hour" is not a duration; write a whole number followed by ms, s, m, h or d (e.g. 1h)',
  ]);
});

test('a connector using every option is frozen all the way down', async (t) => {
  const result = await load(t, [
    'auth: { type: bearer, token: tok-123456 }',
    'signing: { secrets: [raw-signing-secret] }',
    'rateLimit: 5/s',
    'breaker: { failures: 2, cooldown: 1s }',
    'orderingKey: id',
    'retry: { on: [5xx], maxRetryAfter: 1m }',
  ]);
  assert.deepEqual(result.problems, []);
  const [c] = result.connectors;
  assert.ok(c);
  for (const value of [c, c.auth, c.signing, c.signing?.secrets, c.rateLimit, c.breaker, c.retry, c.retry.retryOn, c.secrets]) {
    assert.ok(Object.isFrozen(value));
  }
  assert.throws(() => {
    (c.breaker as { failures: number }).failures = 9;
  }, TypeError);
});

test('retention compiles to ms, dead may be never; a connector without it keeps the engine settings', async (t) => {
  const DAY_MS = 86_400_000;
  assert.deepEqual((await load(t, ['retention: { delivered: 30d, dead: 90d }'])).connectors[0]?.retention, { deliveredMs: 30 * DAY_MS, deadMs: 90 * DAY_MS });
  assert.deepEqual((await load(t, ['retention:', '  dead: never'])).connectors[0]?.retention, { deadMs: null });
  assert.equal((await load(t, [])).connectors[0]?.retention, undefined);
});

test('a retention that is not a duration (or never, for dead) is a problem at its value, saying how to write it', async (t) => {
  assert.deepEqual(summary(await load(t, ['retention:', '  delivered: 30 days', '  dead: forever', '  failed: 1d'])), [
    '5:14 CONFIG_SCHEMA retention.delivered: "30 days" is not a duration; write a whole number followed by ms, s, m, h or d (e.g. 30d)',
    '6:9 CONFIG_SCHEMA retention.dead: "forever" is neither a duration nor never; write a whole number followed by ms, s, m, h or d (e.g. 15s), or never',
    '7:3 CONFIG_SCHEMA retention.failed: unknown field "failed"; allowed fields are delivered, dead',
  ]);
});

test('paused defaults to false; backfill.since compiles to ms and must be a duration of at least 1ms', async (t) => {
  const [plain] = (await load(t, [])).connectors;
  assert.deepEqual([plain?.paused, plain?.backfill], [false, undefined]);
  const [c] = (await load(t, ['paused: true', 'backfill:', '  since: 30d'])).connectors;
  assert.deepEqual([c?.paused, c?.backfill], [true, { sinceMs: 30 * 86_400_000 }]);
  assert.deepEqual(summary(await load(t, ['backfill:', '  since: 0s'])), ['5:10 CONFIG_SCHEMA backfill.since: must be at least 1ms: how far back the backfill reaches, e.g. 30d']);
  const [problem] = summary(await load(t, ['backfill:', '  since: 30 days']));
  assert.match(problem ?? '', /^5:10 CONFIG_SCHEMA backfill\.since: "30 days" is not a duration/);
});

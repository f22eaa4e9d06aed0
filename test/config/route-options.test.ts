import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { LoadResult, PathPart } from '../../engine/config/compiled.js';
import { loadConnectors } from '../../engine/config/load/load-connectors.js';
import { connectorDir, lines } from './connector-dir.js';

/** A connector whose single route's lines start at line 5 (`  - on: permitApproved` is line 5). */
async function load(t: TestContext, route: string[], env: Record<string, string> = {}): Promise<LoadResult> {
  const text = lines('name: routes', 'target:', '  url: http://x', 'routes:', '  - on: permitApproved', ...route);
  return loadConnectors(await connectorDir(t, { 'c.yaml': text }), { env });
}

const summary = (result: LoadResult) => result.problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.message}`);
const show = (parts: readonly PathPart[] | undefined) => (parts ?? []).map((part) => ('literal' in part ? part.literal : `{${part.expression.source}}`));

test('a route without the new options gets json, no headers, no query, no batch', async (t) => {
  const result = await load(t, []);
  const route = result.connectors[0]?.routes[0];
  assert.equal(route?.format, 'json');
  assert.deepEqual(route?.headers, []);
  assert.equal(route?.contentType, undefined);
  assert.equal(route?.query, undefined);
  assert.equal(route?.batch, undefined);
});

test('form, contentType and query compile', async (t) => {
  const form = await load(t, ['    format: form', '    query: "{\'permit\': $string(id)}"']);
  assert.deepEqual(form.problems, []);
  const route = form.connectors[0]?.routes[0];
  assert.equal(route?.format, 'form');
  assert.deepEqual(JSON.parse(JSON.stringify(await route?.query?.evaluate({ id: 7 }))), { permit: '7' });
  const xml = await load(t, ['    contentType: text/xml; charset=utf-8', '    map: "\'<permit id=\\"\' & id & \'\\"/>\'"']);
  assert.deepEqual(xml.problems, []);
  assert.equal(xml.connectors[0]?.routes[0]?.contentType, 'text/xml; charset=utf-8');
  assert.equal(await xml.connectors[0]?.routes[0]?.map?.evaluate({ id: 7 }), '<permit id="7"/>');
});

test('ndjson needs a batch; form takes no contentType; a contentType must be a media type', async (t) => {
  assert.deepEqual(summary(await load(t, ['    format: ndjson'])), [
    '6:13 CONFIG_SCHEMA routes[0].format: ndjson sends one JSON value per line, so it needs a batch; add "batch: {}" (or set its limits), or use format: json',
  ]);
  assert.deepEqual(summary(await load(t, ['    format: form', '    contentType: text/xml'])), [
    '7:18 CONFIG_SCHEMA routes[0].contentType: form bodies are always application/x-www-form-urlencoded; remove contentType, or remove format: form to send a string map result as it is',
  ]);
  assert.deepEqual(summary(await load(t, ['    contentType: xml'])), [
    '6:18 CONFIG_SCHEMA routes[0].contentType: "xml" is not a media type; write it like text/xml; charset=utf-8 or application/soap+xml',
  ]);
});

test('a query that is not JSONata is reported at its token', async (t) => {
  assert.deepEqual(summary(await load(t, ['    query: "{\'a\': }"'])), ['6:19 CONFIG_JSONATA_SYNTAX routes[0].query: invalid JSONata: The symbol "}" cannot be used as a unary operator']);
});

test('route headers are templates: literal text and placeholders compiled once', async (t) => {
  const result = await load(t, [
    '    headers:',
    '      SOAPAction: urn:CreatePermit',
    '      X-Permit: "permit-{id}/{ $string(version) }"',
    '      X-Path: "{path}"',
    '      X-Empty: ""',
  ]);
  assert.deepEqual(result.problems, []);
  const headers = result.connectors[0]?.routes[0]?.headers ?? [];
  assert.deepEqual(headers.map((h) => [h.name, show(h.value)]), [
    ['SOAPAction', ['urn:CreatePermit']],
    ['X-Permit', ['permit-', '{id}', '/', '{ $string(version) }']],
    ['X-Path', ['{path}']],
    ['X-Empty', ['']],
  ]);
  const placeholder = headers[1]?.value[1];
  assert.ok(placeholder && 'expression' in placeholder);
  assert.equal(await placeholder.expression.evaluate({ id: 'a/b' }), 'a/b');
  // A value with no placeholder is as secret as a target header value.
  assert.deepEqual(result.connectors[0]?.secrets, ['urn:CreatePermit']);
  assert.ok(Object.isFrozen(headers) && Object.isFrozen(headers[1]) && Object.isFrozen(headers[1]?.value));
});

test('route header problems point at the name or the offending character', async (t) => {
  assert.deepEqual(summary(await load(t, ['    headers:', '      "X Permit": v', '      X-Id: "id-{id"', '      X-Bad: "{id = }"'])), [
    '7:7 CONFIG_SCHEMA routes[0].headers["X Permit"]: "X Permit" is not a valid header name; use letters, digits and - (e.g. X-Request-Id), no spaces or colons',
    '8:17 CONFIG_JSONATA_SYNTAX routes[0].headers["X-Id"]: this "{" is never closed; write placeholders as {expression}, e.g. {id}',
    '9:19 CONFIG_JSONATA_SYNTAX routes[0].headers["X-Bad"]: invalid JSONata: Unexpected end of expression',
  ]);
});

test('route header values never appear in problems', async (t) => {
  const typed = await load(t, ['    headers:', '      X-Key: 12345678']);
  assert.deepEqual(summary(typed), ['7:14 CONFIG_SCHEMA routes[0].headers["X-Key"]: must be text, got a number value (hidden)']);
  const secret = await load(t, ['    headers:', '      X-Key: "${env:KEY}{"'], { KEY: 'topsecret-value' });
  assert.ok(secret.problems.length > 0);
  for (const problem of secret.problems) assert.doesNotMatch(problem.message, /topsecret/);
  const jsonata = await load(t, ['    headers:', '      X-Key: "${env:KEY}-{a b}"'], { KEY: 'topsecret-value' });
  assert.deepEqual(jsonata.problems.map((p) => p.message), ['routes[0].headers["X-Key"]: invalid JSONata in a {...} placeholder (details hidden: the value holds a secret)']);
});

test('batch gets defaults and compiles its limits', async (t) => {
  const defaults = await load(t, ['    batch: {}']);
  assert.deepEqual(defaults.problems, []);
  assert.deepEqual(defaults.connectors[0]?.routes[0]?.batch, { maxEvents: 500, maxBytes: 1_048_576, maxWaitMs: 5_000, trailingNewline: true });
  const custom = await load(t, ['    format: ndjson', '    batch:', '      maxEvents: 100', '      maxBytes: 512KiB', '      maxWait: 250ms']);
  assert.deepEqual(custom.problems, []);
  assert.equal(custom.connectors[0]?.routes[0]?.format, 'ndjson');
  assert.deepEqual(custom.connectors[0]?.routes[0]?.batch, { maxEvents: 100, maxBytes: 524_288, maxWaitMs: 250, trailingNewline: true });
  assert.ok(Object.isFrozen(custom.connectors[0]?.routes[0]?.batch));
});

test('batch problems: bad sizes, a bodiless method, form, contentType', async (t) => {
  assert.deepEqual(summary(await load(t, ['    batch: { maxBytes: 1 MB, maxWait: 5 sec }'])), [
    '6:24 CONFIG_SCHEMA routes[0].batch.maxBytes: "1 MB" is not a size; write a whole number followed by B, KB, MB, KiB or MiB (e.g. 1MiB)',
    '6:39 CONFIG_SCHEMA routes[0].batch.maxWait: "5 sec" is not a duration; write a whole number followed by ms, s, m, h or d (e.g. 5s)',
  ]);
  assert.deepEqual(summary(await load(t, ['    batch: { maxBytes: 0B }'])), [
    '6:24 CONFIG_SCHEMA routes[0].batch.maxBytes: must be at least 1B; a batch body of no bytes could never be sent (e.g. 1MiB)',
  ]);
  assert.deepEqual(summary(await load(t, ['    method: GET', '    batch: {}'])), [
    '6:13 CONFIG_SCHEMA routes[0].method: GET sends no body, so it cannot carry a batch; use POST, PUT or PATCH, or remove batch',
  ]);
  assert.deepEqual(summary(await load(t, ['    format: form', '    contentType: text/csv', '    batch: {}'])), [
    '6:13 CONFIG_SCHEMA routes[0].format: a batch is sent as a JSON array, NDJSON or lines of text; use format json, ndjson or lines, or remove batch',
    '7:18 CONFIG_SCHEMA routes[0].contentType: form bodies are always application/x-www-form-urlencoded; remove contentType, or remove format: form to send a string map result as it is',
  ]);
  assert.deepEqual(summary(await load(t, ['    contentType: text/csv', '    batch: {}'])), [
    '6:18 CONFIG_SCHEMA routes[0].contentType: a json batch is sent as a JSON array with its own Content-Type; remove contentType, or use format: lines with a map that gives each item as a string',
  ]);
});

test('a batched route cannot render its path, headers or query from an event', async (t) => {
  assert.deepEqual(summary(await load(t, ['    path: /ingest/{tenant}', '    query: "{\'t\': tenant}"', '    headers:', '      X-Tenant: "{tenant}"', '      X-Source: hms', '    batch: {}'])), [
    '6:11 CONFIG_SCHEMA routes[0].path: a batched route sends one request for many events, so its path cannot hold {...} placeholders; write a fixed path or remove batch',
    '7:12 CONFIG_SCHEMA routes[0].query: a batched route sends one request for many events, so its query parameters must be fixed and cannot read the event; write fixed values (e.g. { "precision": "ms" }) or remove batch',
    '9:17 CONFIG_SCHEMA routes[0].headers["X-Tenant"]: a batched route sends one request for many events, so its header values cannot hold {...} placeholders; write fixed values or remove batch',
  ]);
});

test('a batched route may have a fixed query; one reading the event in any way is refused', async (t) => {
  const fixed = await load(t, ['    query: \'{ "precision": "ms", "stamp": $string(42) }\'', '    batch: {}']);
  assert.deepEqual(fixed.problems, []);
  assert.equal(fixed.connectors[0]?.routes[0]?.query?.readsInput, false);
  for (const query of ['{ "t": $.tenant }', '{ "t": $$.tenant }', '{ "k": $keys(*) }', '{ "d": **.deep }', '($x := tenant; { "t": $x })']) {
    const result = await load(t, [`    query: '${query}'`, '    batch: {}']);
    assert.deepEqual(result.problems.map((p) => p.message.split(':')[0]), ['routes[0].query'], query);
  }
});

test('lines needs a batch, a map and a contentType; header and trailingNewline shape only lines, and header is one line', async (t) => {
  const lines = await load(t, ['    format: lines', '    contentType: text/csv', "    map: '$string(id)'", '    batch: { header: "id", trailingNewline: false }']);
  assert.deepEqual(lines.problems, []);
  assert.equal(lines.connectors[0]?.routes[0]?.format, 'lines');
  assert.deepEqual(lines.connectors[0]?.routes[0]?.batch, { maxEvents: 500, maxBytes: 1_048_576, maxWaitMs: 5_000, header: 'id', trailingNewline: false });
  assert.deepEqual(summary(await load(t, ['    format: lines', '    contentType: text/csv', "    map: '$string(id)'"])), [
    '6:13 CONFIG_SCHEMA routes[0].format: lines joins the items of a batch into one body, so it needs a batch; add "batch: {}" (or set its limits), or, for one event per request, use contentType with a map that gives the body as a string',
  ]);
  assert.deepEqual(summary(await load(t, ['    format: lines', '    batch: {}'])), [
    '6:13 CONFIG_SCHEMA routes[0].format: lines sends text, so it needs contentType: the media type of the lines, e.g. text/csv, text/plain; charset=utf-8 or application/x-ndjson',
    '6:13 CONFIG_SCHEMA routes[0].format: lines sends each item as a line of text, so it needs a map that builds the line as a string',
  ]);
  assert.deepEqual(summary(await load(t, ['    format: ndjson', '    batch: { header: "id", trailingNewline: false }'])), [
    '7:22 CONFIG_SCHEMA routes[0].batch.header: header shapes a format: lines body; remove it, or use format: lines',
    '7:45 CONFIG_SCHEMA routes[0].batch.trailingNewline: trailingNewline shapes a format: lines body; remove it, or use format: lines',
  ]);
  assert.deepEqual(summary(await load(t, ['    format: lines', '    contentType: text/csv', "    map: '$string(id)'", '    batch: { header: "id\\nname" }'])), [
    '9:22 CONFIG_SCHEMA routes[0].batch.header: header is one line; write it without line breaks (an item may hold several lines instead)',
  ]);
});

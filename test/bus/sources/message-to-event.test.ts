import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageToEvent, type ConversionRules } from '../../../engine/bus/sources/message-to-event.js';
import type { SourceMessage } from '../../../engine/bus/sources/source-adapter.js';
import { compileExpression } from '../../../engine/config/expression/expression.js';

const rules = (event: { type?: string; id?: string; body?: string } = {}, maxBodyBytes = 1024): ConversionRules => ({
  maxBodyBytes,
  event: {
    body: compileExpression(event.body ?? 'body', 'event.body'),
    ...(event.type !== undefined && { type: compileExpression(event.type, 'event.type') }),
    ...(event.id !== undefined && { id: compileExpression(event.id, 'event.id') }),
  },
});
const message = (body: string | Uint8Array, extra: Partial<SourceMessage> = {}): SourceMessage => ({
  body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
  context: { subject: 'permits.approved', headers: { 'Nats-Msg-Id': 'm-1' } },
  position: 'stream S sequence 1',
  id: 'nats:S:1',
  ...extra,
});

test('a JSON object with a type is the event; its id wins over the position id', async () => {
  assert.deepEqual(await messageToEvent(message('{"type":"permitApproved","id":"e-1","permitId":7}'), rules()), {
    ok: true,
    event: { type: 'permitApproved', id: 'e-1', permitId: 7 },
  });
});

test('without an id in the body, the event gets the stable id of the message position', async () => {
  const result = await messageToEvent(message('{"type":"permitApproved"}'), rules());
  assert.deepEqual(result, { ok: true, event: { type: 'permitApproved', id: 'nats:S:1' } });
});

test('event: expressions see the body and the message context', async () => {
  const result = await messageToEvent(message('{"permitId":7}'), rules({ type: '$split(subject, ".")[-1]', id: 'headers."Nats-Msg-Id"', body: '{ "permit": body.permitId }' }));
  assert.deepEqual(result, { ok: true, event: { permit: 7, type: 'approved', id: 'm-1' } });
});

test('the type an adapter gives (an outbox type column) comes before body.type', async () => {
  const result = await messageToEvent(message('{"type":"ignored"}', { type: 'permitIssued', id: 'outbox:t:9' }), rules());
  assert.deepEqual(result, { ok: true, event: { type: 'permitIssued', id: 'outbox:t:9' } });
});

test('each kind of poison message is named with its reason, without quoting the body', async () => {
  const cases: [SourceMessage, ConversionRules, string, RegExp][] = [
    [message('{"type":"x","pad":"' + 'a'.repeat(2000) + '"}'), rules(), 'too-large', /over maxBody \(1024 bytes\)/],
    [message(new Uint8Array([0x7b, 0xff, 0x7d])), rules(), 'not-utf8', /not valid UTF-8 \(line 1, column 2\)/],
    [message('{"type": "secret-123'), rules(), 'not-json', /^the body is not valid JSON( \(at position \d+\))?$/],
    [message('[1,2]'), rules(), 'not-an-object', /the body is an array/],
    [message('{"id":"e"}'), rules(), 'no-type', /body\.type gives nothing/],
    [message('{"type":""}'), rules(), 'no-type', /body\.type gives a string/],
    [message('{"type":"x","id":{"a":1}}'), rules(), 'invalid-event', /^the event has an invalid "id"/],
    [message('{"type":"x"}'), rules({ type: '$number("abc") + 1' }), 'expression-failed', /event\.type/],
  ];
  for (const [input, rule, reason, text] of cases) {
    const result = await messageToEvent(input, rule);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, reason, reason);
    assert.match(!result.ok ? result.message : '', text);
    assert.ok(!(!result.ok && result.message.includes('secret-123')));
  }
});

test('an outbox payload arrives as text and is taken the same way', async () => {
  const result = await messageToEvent(message('{"type":"t","n":1}', { body: '{"type":"t","n":1}', id: undefined }), rules());
  assert.deepEqual(result, { ok: true, event: { type: 't', n: 1 } });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseJsonEvents, parseNdjsonEvents } from '../../engine/api/parse-events-body.js';
import { HmsError } from '../../engine/errors.js';

function rejects(fn: () => unknown, code: string, message: RegExp) {
  assert.throws(fn, (error: unknown) => error instanceof HmsError && error.code === code && message.test(error.message));
}

describe('parsing POST /events bodies', () => {
  test('one object or an array of objects', () => {
    assert.deepEqual(parseJsonEvents('{"type":"a","id":1}'), [{ type: 'a', id: 1 }]);
    assert.deepEqual(parseJsonEvents('[{"type":"a"},{"type":"b"}]'), [{ type: 'a' }, { type: 'b' }]);
  });

  test('a leading byte order mark is ignored, in JSON and NDJSON alike; one elsewhere is still an error', () => {
    assert.deepEqual(parseJsonEvents('\uFEFF{"type":"a","id":1}'), [{ type: 'a', id: 1 }]);
    assert.deepEqual(parseNdjsonEvents('\uFEFF{"type":"a"}\n{"type":"b"}\n'), [{ type: 'a' }, { type: 'b' }]);
    rejects(() => parseJsonEvents('[{"type":"a"},\uFEFF{"type":"b"}]'), 'INGEST_INVALID_JSON', /^body is not valid JSON/);
  });

  test('NDJSON skips blank lines', () => {
    assert.deepEqual(parseNdjsonEvents('{"type":"a"}\n\n{"type":"b"}\n'), [{ type: 'a' }, { type: 'b' }]);
  });

  test('names the index of the bad event', () => {
    rejects(() => parseJsonEvents('[{"type":"a"},{"kind":"b"}]'), 'INGEST_INVALID_EVENT', /^event at index 1 has no string "type"/);
    rejects(() => parseJsonEvents('[{"type":"a"},42]'), 'INGEST_INVALID_EVENT', /^event at index 1 is a number/);
    rejects(() => parseJsonEvents('[{"type":""}]'), 'INGEST_INVALID_EVENT', /index 0 has no string "type"/);
    rejects(() => parseJsonEvents('[{"type":"a","id":{"x":1}}]'), 'INGEST_INVALID_EVENT', /index 0 has an invalid "id"/);
    rejects(() => parseNdjsonEvents('{"type":"a"}\n\n{"type":'), 'INGEST_INVALID_JSON', /^event at index 1 \(line 3\) is not valid JSON/);
  });

  test('rejects bodies that are not JSON or hold no events', () => {
    rejects(() => parseJsonEvents('{"type":'), 'INGEST_INVALID_JSON', /^body is not valid JSON/);
    rejects(() => parseJsonEvents('[]'), 'INGEST_EMPTY', /no events/);
    rejects(() => parseNdjsonEvents('\n\n'), 'INGEST_EMPTY', /no events/);
  });
});

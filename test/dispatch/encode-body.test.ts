import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeBatchBody, encodeBody } from '../../engine/dispatch/encode-body.js';
import { HmsError } from '../../engine/errors.js';

describe('encodeBatchBody', () => {
  test('format json gives one JSON array', () => {
    assert.deepEqual(encodeBatchBody([{ id: 1 }, { id: 2 }], 'json'), { contentType: 'application/json', body: '[{"id":1},{"id":2}]' });
  });

  test('format ndjson gives one JSON document per line, each line ended', () => {
    assert.deepEqual(encodeBatchBody([{ id: 1 }, 'two', [3]], 'ndjson'), { contentType: 'application/x-ndjson', body: '{"id":1}\n"two"\n[3]\n' });
  });

  test('form bodies cannot be batched', () => {
    assert.throws(() => encodeBatchBody([{ id: 1 }], 'form'), (error: unknown) => error instanceof HmsError && error.code === 'MAPPING_FAILED');
  });
});

describe('encodeBody', () => {
  test('a form value must be an object', () => {
    assert.throws(() => encodeBody({ format: 'form' }, ['a'], 'routes[2].map'), /routes\[2\]\.map gave an array; it must give an object whose fields become form fields/);
  });

  test('an array holding an object is rejected in a form', () => {
    assert.throws(() => encodeBody({ format: 'form' }, { list: [{ a: 1 }] }, 'routes[0].map'), /field "list" holds an object/);
  });

  test('contentType wins over format for a string result', () => {
    assert.deepEqual(encodeBody({ format: 'form', contentType: 'text/csv' }, 'a,b\n', 'routes[0].map'), { contentType: 'text/csv', body: 'a,b\n' });
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { batchFrameBytes, batchItemBytes, encodeBatchBody, encodeBody, type BodyRoute } from '../../engine/dispatch/encode-body.js';
import { HmsError } from '../../engine/errors.js';

describe('encodeBatchBody', () => {
  test('format json gives one JSON array', () => {
    assert.deepEqual(encodeBatchBody([{ id: 1 }, { id: 2 }], { format: 'json' }), { contentType: 'application/json', body: '[{"id":1},{"id":2}]' });
  });

  test('format ndjson gives one JSON document per line, each line ended', () => {
    assert.deepEqual(encodeBatchBody([{ id: 1 }, 'two', [3]], { format: 'ndjson' }), { contentType: 'application/x-ndjson', body: '{"id":1}\n"two"\n[3]\n' });
  });

  test('format lines joins the items with newlines after the header line, with the route\'s contentType', () => {
    const csv: BodyRoute = { format: 'lines', contentType: 'text/csv', batch: { header: 'id,name', trailingNewline: true } };
    assert.deepEqual(encodeBatchBody(['1,Lee', '2,"Ng, A"'], csv), { contentType: 'text/csv', body: 'id,name\n1,Lee\n2,"Ng, A"\n' });
    const bulk: BodyRoute = { format: 'lines', contentType: 'application/x-ndjson', batch: { trailingNewline: false } };
    assert.deepEqual(encodeBatchBody(['{"index":{}}\n{"a":1}', '{"index":{}}\n{"a":2}'], bulk), {
      contentType: 'application/x-ndjson',
      body: '{"index":{}}\n{"a":1}\n{"index":{}}\n{"a":2}',
    });
  });

  test('a batch body is exactly its frame plus each item and one separator, in every format', () => {
    const routes: BodyRoute[] = [
      { format: 'json' },
      { format: 'ndjson' },
      { format: 'lines', contentType: 'text/plain', batch: { trailingNewline: true } },
      { format: 'lines', contentType: 'text/plain', batch: { trailingNewline: false } },
      { format: 'lines', contentType: 'text/csv', batch: { header: 'größe,n', trailingNewline: true } },
      { format: 'lines', contentType: 'text/csv', batch: { header: 'größe,n', trailingNewline: false } },
    ];
    for (const route of routes) {
      const items = route.format === 'lines' ? ['ä,1', '', 'x\ny'] : [{ a: 'ä' }, 'two', [3], null];
      for (let count = 1; count <= items.length; count++) {
        const batch = items.slice(0, count);
        const predicted = batchFrameBytes(route) + batch.reduce((bytes: number, item) => bytes + batchItemBytes(route, item) + 1, 0);
        assert.equal(predicted, Buffer.byteLength(encodeBatchBody(batch, route).body), `${JSON.stringify(route)} with ${count} items`);
      }
    }
  });

  test('form bodies cannot be batched', () => {
    assert.throws(() => encodeBatchBody([{ id: 1 }], { format: 'form' }), (error: unknown) => error instanceof HmsError && error.code === 'MAPPING_FAILED');
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

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Fifo } from '../../engine/dispatch/fifo.js';
import { redactSecrets } from '../../engine/dispatch/redact.js';

describe('redactSecrets', () => {
  test('removes every occurrence, longest secret first', () => {
    assert.equal(redactSecrets('token abcd1234 and abcd1234-x', ['abcd1234', 'abcd1234-x']), 'token [REDACTED] and [REDACTED]');
  });

  test('leaves text without secrets alone', () => {
    assert.equal(redactSecrets('HTTP 500', ['s3cret-value']), 'HTTP 500');
    assert.equal(redactSecrets('HTTP 500', []), 'HTTP 500');
  });
});

describe('Fifo', () => {
  test('keeps order across many pushes and shifts', () => {
    const fifo = new Fifo<number>();
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      fifo.push(i);
      if (i % 3 === 0) out.push(fifo.shift()!);
    }
    while (fifo.length > 0) out.push(fifo.shift()!);
    assert.deepEqual(out, Array.from({ length: 5000 }, (_, i) => i));
    assert.equal(fifo.shift(), undefined);
  });
});

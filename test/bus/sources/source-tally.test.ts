import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSourceTally, RECENT_REJECTIONS } from '../../../engine/bus/sources/source-tally.js';
import { manualClock } from '../../../engine/clock.js';
import type { CompiledSource } from '../../../engine/config/sources/compiled-source.js';
import { HmsError } from '../../../engine/errors.js';

const source = { name: 'queue', type: 'amqp', file: 'sources.d/queue.yaml', secrets: ['amqp://hms:s3cret@rabbit', 's3cret'] } as unknown as CompiledSource;

test('a source\'s last error and rejections never show its secrets', () => {
  const tally = createSourceTally(source, manualClock());
  assert.equal(tally.failed(new HmsError('SOURCE_UNAVAILABLE', 'cannot connect to amqp://hms:s3cret@rabbit')), 'SOURCE_UNAVAILABLE: cannot connect to [REDACTED]');
  assert.equal(tally.failed(new Error('password s3cret refused')), 'password [REDACTED] refused');
  tally.rejected({ reason: 'expression-failed', position: 'queue q delivery 1', message: 'event.type: s3cret is not a number' });
  const status = tally.status();
  assert.deepEqual(status.lastError?.message, 'password [REDACTED] refused');
  assert.equal(status.rejections[0]?.message, 'event.type: [REDACTED] is not a number');
});

test('the status keeps the latest rejections only, and counts them all', () => {
  const tally = createSourceTally(source, manualClock());
  for (let n = 0; n < RECENT_REJECTIONS + 5; n++) tally.rejected({ reason: 'not-json', position: `row ${n}`, message: 'x' });
  const status = tally.status();
  assert.equal(status.rejectedTotal, RECENT_REJECTIONS + 5);
  assert.equal(status.rejections.length, RECENT_REJECTIONS);
  assert.equal(status.rejections[0]?.position, 'row 5');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyedBatches, sharedBatches, type BatchSource, type BenchEvent } from '../../bench/bench-workload.js';

/** Drains a source poster by poster, as posters that each wait for their 202 would. */
function drain(source: BatchSource, posters: number): BenchEvent[][] {
  return Array.from({ length: posters }, (_, poster) => {
    const sent: BenchEvent[] = [];
    for (let batch = source(poster, 0); batch !== null; batch = source(poster, 0)) sent.push(...batch);
    return sent;
  });
}

test('keyed batches give each key to one poster, numbered 0, 1, 2... in the order that poster sends them', () => {
  const perPoster = drain(keyedBatches(10_003, 200, 4, 1_000, 'g'), 4);
  assert.equal(perPoster.flat().length, 10_003);
  const owner = new Map<string, number>();
  perPoster.forEach((events, poster) => {
    const next = new Map<string, number>();
    for (const event of events) {
      assert.equal(owner.get(event.key!) ?? poster, poster, `${event.key} sent by two posters`);
      owner.set(event.key!, poster);
      assert.equal(event.seq, next.get(event.key!) ?? 0);
      next.set(event.key!, event.seq! + 1);
    }
  });
  assert.equal(owner.size, 1_000);
  assert.equal(new Set(perPoster.flat().map((event) => event.id)).size, 10_003);
});

test('keyed batches with more posters than keys leave the extra posters idle and still send every event', () => {
  const perPoster = drain(keyedBatches(50, 7, 5, 3, 'g'), 5);
  assert.deepEqual(perPoster.map((events) => events.length), [17, 17, 16, 0, 0]);
  assert.equal(new Set(perPoster.flat().map((event) => event.key)).size, 3);
});

test('shared batches hand out every event once, in batches of the size asked, to whichever poster asks', () => {
  const source = sharedBatches(450, 200, 'b');
  const sizes = [source(0, 1)!.length, source(3, 1)!.length, source(0, 1)!.length];
  assert.deepEqual(sizes, [200, 200, 50]);
  assert.equal(source(1, 1), null);
});

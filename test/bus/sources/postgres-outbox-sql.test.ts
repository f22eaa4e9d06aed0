import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outboxSql } from '../../../engine/bus/sources/postgres-outbox-sql.js';
import type { CompiledOutbox } from '../../../engine/config/sources/compiled-source.js';

const outbox = (onConsume: 'delete' | 'mark'): CompiledOutbox => ({
  url: 'postgres://db/x',
  table: 'app.outbox',
  columns: { id: 'id', type: 'event_type', payload: 'payload', createdAt: 'created_at', processedAt: 'processed_at', error: 'error' },
  onConsume,
  pollIntervalMs: 1000,
  batch: 500,
});

test('rows are locked in id order, skipping rows other engines hold; mark only takes unprocessed rows', () => {
  assert.equal(outboxSql(outbox('delete')).take(128), 'BEGIN; SELECT "id"::text AS id, "event_type"::text AS type, "payload"::text AS payload, "created_at" AS created_at FROM "app"."outbox" ORDER BY "id" LIMIT 128 FOR UPDATE SKIP LOCKED');
  assert.match(outboxSql(outbox('mark')).take(1), / FROM "app"\."outbox" WHERE "processed_at" IS NULL ORDER BY "id" LIMIT 1 FOR UPDATE SKIP LOCKED$/);
});

test('finishing a lease deletes or marks its rows and commits in one round trip, quoting reasons', () => {
  assert.equal(outboxSql(outbox('delete')).finish([{ id: '1' }, { id: '2', reason: 'x' }]), 'DELETE FROM "app"."outbox" WHERE "id" IN (1, 2); COMMIT');
  assert.equal(
    outboxSql(outbox('mark')).finish([{ id: '1' }, { id: '2', reason: "it's bad" }]),
    'UPDATE "app"."outbox" SET "processed_at" = now() WHERE "id" IN (1); UPDATE "app"."outbox" SET "processed_at" = now(), "error" = \'it\'\'s bad\' WHERE "id" = 2; COMMIT',
  );
});

test('a row id that is not an integer is refused, never written into a statement', () => {
  assert.throws(() => outboxSql(outbox('delete')).finish([{ id: '1); DROP TABLE x; --' }]), /SOURCE_UNAVAILABLE|not an integer/);
});

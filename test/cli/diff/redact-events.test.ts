import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRedactions, redactEvents } from '../../../engine/cli/diff/redact-events.js';
import { HmsError } from '../../../engine/errors.js';
import type { SyncEvent } from '../../../engine/model.js';

const EVENT = {
  type: 'permitApproved',
  id: 'evt-1',
  applicant: { name: 'Ada Lovelace', email: 'ada@example.org', 'home address': '12 Rue X' },
  owners: [
    { role: 'tenant', name: 'Bo', phone: '555-1' },
    { role: 'landlord', name: 'Cy', phone: '555-2' },
  ],
  fee: 12,
} as const;

async function redact(...paths: string[]): Promise<{ body: Record<string, unknown>; counts: readonly number[]; idRedacted: boolean }> {
  const original = structuredClone(EVENT) as unknown as SyncEvent;
  const { events, counts, idRedacted } = await redactEvents([{ id: 'evt-1', body: original }], compileRedactions(paths));
  assert.deepEqual(original, EVENT, 'the original event is left as it was');
  return { body: events[0]!.body as Record<string, unknown>, counts, idRedacted };
}

test('replaces a nested field, a field of every array item, and a quoted field name', async () => {
  const { body, counts } = await redact('applicant.email', 'owners.phone', 'applicant.`home address`');
  assert.deepEqual(body.applicant, { name: 'Ada Lovelace', email: '[REDACTED]', 'home address': '[REDACTED]' });
  assert.deepEqual(body.owners, [
    { role: 'tenant', name: 'Bo', phone: '[REDACTED]' },
    { role: 'landlord', name: 'Cy', phone: '[REDACTED]' },
  ]);
  assert.deepEqual(counts, [1, 2, 1]);
});

test('follows filters, wildcards and descendants to the objects that hold the field', async () => {
  const filtered = await redact('owners[role = "tenant"].name');
  assert.deepEqual((filtered.body.owners as { name: string }[]).map((owner) => owner.name), ['[REDACTED]', 'Cy']);
  const everywhere = await redact('**.name');
  assert.deepEqual(everywhere.counts, [3]);
  const all = await redact('applicant.*');
  assert.deepEqual(all.body.applicant, { name: '[REDACTED]', email: '[REDACTED]', 'home address': '[REDACTED]' });
});

test('adds no field where there was none, and counts nothing for a path that matches nothing', async () => {
  const { body, counts } = await redact('applicant.phone', 'nowhere.at.all');
  assert.equal('phone' in (body.applicant as object), false);
  assert.deepEqual(counts, [0, 0]);
});

test('says when an event id was replaced', async () => {
  assert.equal((await redact('id')).idRedacted, true);
  assert.equal((await redact('fee')).idRedacted, false);
});

test('refuses a path that is not JSONata, does not end in a field, or names the event type', () => {
  const refused = (path: string, message: RegExp): void => {
    assert.throws(() => compileRedactions([path]), (error: unknown) => error instanceof HmsError && error.code === 'USAGE' && message.test(error.message));
  };
  refused('applicant.', /--redact "applicant\.": invalid JSONata/);
  refused('owners[0]', /--redact "owners\[0\]": the path must end in a field name or \*/);
  refused('$uppercase(name)', /must end in a field name/);
  refused('type', /an event's "type" decides its routes/);
  refused('*', /an event's "type" decides its routes/);
});

test('a path that fails on an event names the path but quotes none of the event', async () => {
  const redactions = compileRedactions(['owners[$number(name) > 1].phone']);
  await assert.rejects(redactEvents([{ id: 'evt-1', body: structuredClone(EVENT) as unknown as SyncEvent }], redactions), (error: unknown) => {
    assert.ok(error instanceof HmsError && error.code === 'USAGE');
    assert.match(error.message, /--redact "owners\[\$number\(name\) > 1\]\.phone": the path failed on one of the events/);
    assert.doesNotMatch(error.message, /Bo|Cy/);
    return true;
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRunOptions } from '../../engine/cli/run-options.js';
import { DEFAULT_RETENTION } from '../../engine/sweep/retention-policy.js';

test('the connection and body caps default to 1,000 connections and 64 MiB', () => {
  const options = parseRunOptions([], {});
  assert.equal(options.maxConnections, 1_000);
  assert.equal(options.maxInflightBodyBytes, 64 * 1024 * 1024);
});

test('the caps come from HMS_SYNC_* variables, and a flag wins over its variable', () => {
  const env = { HMS_SYNC_MAX_CONNECTIONS: '50', HMS_SYNC_MAX_INFLIGHT_BODY_BYTES: '1000000' };
  assert.equal(parseRunOptions([], env).maxConnections, 50);
  assert.equal(parseRunOptions([], env).maxInflightBodyBytes, 1_000_000);
  const flagged = parseRunOptions(['--max-connections', '20', '--max-inflight-body-bytes', '4096'], env);
  assert.equal(flagged.maxConnections, 20);
  assert.equal(flagged.maxInflightBodyBytes, 4096);
});

test('a cap that is not a positive whole number is a usage error naming the flag', () => {
  assert.throws(() => parseRunOptions(['--max-connections', '0'], {}), { code: 'USAGE', message: /--max-connections must be a whole number from 1 to/ });
  assert.throws(() => parseRunOptions([], { HMS_SYNC_MAX_INFLIGHT_BODY_BYTES: '64MiB' }), {
    code: 'USAGE',
    message: /--max-inflight-body-bytes must be a whole number from 1 to \d+, got "64MiB"/,
  });
});

const DAY = 86_400_000;

test('retention defaults: delivered 7d, events 30d, dead never, no maximum size', () => {
  assert.deepEqual(parseRunOptions([], {}).retention, { deliveredMs: 7 * DAY, eventsMs: 30 * DAY, deadMs: null, maxStoreBytes: null });
  assert.deepEqual(parseRunOptions([], {}).retention, DEFAULT_RETENTION);
});

test('retention flags win over HMS_SYNC_* variables, which win over the defaults', () => {
  const env = { HMS_SYNC_RETAIN_DELIVERED: '1d', HMS_SYNC_RETAIN_EVENTS: '2d', HMS_SYNC_RETAIN_DEAD: '90d', HMS_SYNC_MAX_STORE_SIZE: '5GiB' };
  assert.deepEqual(parseRunOptions([], env).retention, { deliveredMs: DAY, eventsMs: 2 * DAY, deadMs: 90 * DAY, maxStoreBytes: 5 * 1024 ** 3 });
  const flags = ['--retain-delivered', '36h', '--retain-events', '45d', '--retain-dead', 'never', '--max-store-size', '20GB'];
  assert.deepEqual(parseRunOptions(flags, env).retention, { deliveredMs: 36 * 3_600_000, eventsMs: 45 * DAY, deadMs: null, maxStoreBytes: 20e9 });
});

test('a retention setting that does not parse is a usage error naming the flag, its variable and how to write it', () => {
  assert.throws(() => parseRunOptions(['--retain-delivered', '7 days'], {}), {
    code: 'USAGE',
    message: '--retain-delivered (env HMS_SYNC_RETAIN_DELIVERED): "7 days" is not a duration; write a whole number followed by ms, s, m, h or d (e.g. 15s)',
  });
  assert.throws(() => parseRunOptions([], { HMS_SYNC_RETAIN_DEAD: 'forever' }), { code: 'USAGE', message: /^--retain-dead \(env HMS_SYNC_RETAIN_DEAD\): "forever" is neither a duration nor "never"/ });
  assert.throws(() => parseRunOptions(['--max-store-size', '20G'], {}), { code: 'USAGE', message: /^--max-store-size \(env HMS_SYNC_MAX_STORE_SIZE\): "20G" is not a size; .*GB/ });
  assert.throws(() => parseRunOptions(['--retain-events', 'never'], {}), { code: 'USAGE', message: /--retain-events .*"never" is not a duration/ });
});

test('the store is sqlite:data unless --store or --data names another; --data DIR is sqlite:DIR', () => {
  assert.deepEqual(parseRunOptions([], {}).store, { kind: 'sqlite', dataDir: 'data' });
  assert.deepEqual(parseRunOptions(['--data', '/var/lib/hms'], {}).store, { kind: 'sqlite', dataDir: '/var/lib/hms' });
  assert.deepEqual(parseRunOptions(['--store', 'sqlite:/srv/x'], {}).store, { kind: 'sqlite', dataDir: '/srv/x' });
  assert.deepEqual(parseRunOptions(['--store', 'sqlite:./y', '--data', 'y'], {}).store, { kind: 'sqlite', dataDir: './y' }, 'both flags name one directory');
});

test('flags win over variables, and HMS_SYNC_STORE over HMS_SYNC_DATA (the container image sets HMS_SYNC_DATA)', () => {
  const container = { HMS_SYNC_DATA: '/var/lib/hms-sync', HMS_SYNC_STORE: 'postgres://db/x' };
  assert.deepEqual(parseRunOptions([], container).store, { kind: 'postgres', url: 'postgres://db/x', schema: 'hms_sync' });
  assert.deepEqual(parseRunOptions(['--data', '/tmp/d'], container).store, { kind: 'sqlite', dataDir: '/tmp/d' });
  assert.deepEqual(parseRunOptions(['--store', 'sqlite:/a'], { HMS_SYNC_DATA: '/b' }).store, { kind: 'sqlite', dataDir: '/a' });
});

test('--store postgres:// (or postgresql://) opens PostgreSQL in --store-schema, hms_sync by default', () => {
  const url = 'postgres://sync:pw@db.internal:5433/events?sslmode=verify-full';
  assert.deepEqual(parseRunOptions(['--store', url], {}).store, { kind: 'postgres', url, schema: 'hms_sync' });
  assert.deepEqual(parseRunOptions([], { HMS_SYNC_STORE: 'postgresql://db/x', HMS_SYNC_STORE_SCHEMA: 'tenant_7' }).store, { kind: 'postgres', url: 'postgresql://db/x', schema: 'tenant_7' });
  assert.deepEqual(parseRunOptions(['--store', 'postgres://db/x', '--store-schema', 'blue'], { HMS_SYNC_STORE_SCHEMA: 'green' }).store, { kind: 'postgres', url: 'postgres://db/x', schema: 'blue' });
});

test('the flags --store and --data naming different stores, an unknown scheme or a schema needing quotes are usage errors that never show a password', () => {
  assert.throws(() => parseRunOptions(['--store', 'postgres://sync:hunter22@db/x', '--data', './data'], {}), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'USAGE');
    assert.match(error.message, /--store is postgres:\/\/sync:\*\*\*@db\/x but --data is \.\/data: give one of them/);
    assert.ok(!error.message.includes('hunter22'));
    return true;
  });
  assert.throws(() => parseRunOptions(['--store', 'sqlite:/a', '--data', '/b'], {}), { code: 'USAGE' });
  assert.throws(() => parseRunOptions(['--store', 'mysql://root:hunter22@db/x'], {}), (error: Error & { code?: string }) => error.code === 'USAGE' && !error.message.includes('hunter22') && /sqlite:PATH .* postgres:\/\//.test(error.message));
  assert.throws(() => parseRunOptions(['--store', 'postgres://db/x', '--store-schema', 'Bad-Name'], {}), { code: 'USAGE', message: /store schema "Bad-Name" is not valid/ });
});

test('--lease and --lease-renew default to 30s and 10s, come from HMS_SYNC_LEASE and HMS_SYNC_LEASE_RENEW, and a flag wins', () => {
  const defaults = parseRunOptions([], {});
  assert.deepEqual([defaults.leaseMs, defaults.leaseRenewMs], [30_000, 10_000]);
  const env = { HMS_SYNC_LEASE: '3s', HMS_SYNC_LEASE_RENEW: '1s' };
  assert.deepEqual([parseRunOptions([], env).leaseMs, parseRunOptions([], env).leaseRenewMs], [3_000, 1_000]);
  assert.equal(parseRunOptions(['--lease', '1m'], env).leaseMs, 60_000);
});

test('a lease renewed no sooner than it expires is a usage error', () => {
  assert.throws(() => parseRunOptions(['--lease', '10s', '--lease-renew', '10s'], {}), { code: 'USAGE', message: /--lease-renew \(10s\) must be above zero and below --lease \(10s\)/ });
  assert.throws(() => parseRunOptions(['--lease', 'soon'], {}), { code: 'USAGE', message: /--lease \(env HMS_SYNC_LEASE\)/ });
});

test('--max-store-size with a postgres:// store is a usage error: it cannot shrink PostgreSQL', () => {
  assert.throws(() => parseRunOptions(['--store', 'postgres://db/x', '--max-store-size', '20GB'], {}), { code: 'USAGE', message: /--max-store-size .* cannot shrink PostgreSQL/ });
  assert.throws(() => parseRunOptions([], { HMS_SYNC_STORE: 'postgres://db/x', HMS_SYNC_MAX_STORE_SIZE: '1GB' }), { code: 'USAGE' });
  assert.equal(parseRunOptions(['--max-store-size', '20GB'], {}).retention.maxStoreBytes, 20 * 1000 ** 3);
});

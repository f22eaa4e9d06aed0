import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRunOptions } from '../../engine/cli/run-options.js';

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

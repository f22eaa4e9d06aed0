import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeKinds } from '../../../engine/cli/diff/change-kinds.js';
import type { RequestContent } from '../../../engine/cli/diff/diff-render.js';

function post(body: unknown, options: { method?: string; url?: string; headers?: string[] } = {}): RequestContent {
  return { method: options.method ?? 'POST', url: options.url ?? 'http://x/a', headers: options.headers ?? ['Authorization'], body: typeof body === 'string' ? body : JSON.stringify(body) };
}

const failure = (error: string): RequestContent => ({ error });

test('a route now taken, no longer taken, now failing, no longer failing or failing differently', () => {
  assert.deepEqual(changeKinds(undefined, post({})), [{ kind: 'now-taken' }]);
  assert.deepEqual(changeKinds(post({}), undefined), [{ kind: 'no-longer-taken' }]);
  assert.deepEqual(changeKinds(failure('MAPPING_FAILED: a'), undefined), [{ kind: 'no-longer-taken' }]);
  assert.deepEqual(changeKinds(undefined, failure('MAPPING_FAILED: a')), [{ kind: 'now-fails' }]);
  assert.deepEqual(changeKinds(post({}), failure('MAPPING_FAILED: a')), [{ kind: 'now-fails' }]);
  assert.deepEqual(changeKinds(failure('MAPPING_FAILED: a'), post({})), [{ kind: 'no-longer-fails' }]);
  assert.deepEqual(changeKinds(failure('MAPPING_FAILED: a'), failure('MAPPING_FAILED: b')), [{ kind: 'fails-differently' }]);
  assert.deepEqual(changeKinds(failure('MAPPING_FAILED: a'), failure('MAPPING_FAILED: a')), []);
});

test('fields added, removed and changed, by their path, nested and in arrays', () => {
  const before = post({ permit: { id: 1, fee: 12 }, inspector: 'Lee', items: [{ price: 1 }, { price: 2 }] });
  const after = post({ permit: { id: 1, feeCents: 1200 }, inspector: 'LEE', items: [{ price: 1 }, { price: 3 }, { price: 4 }] });
  assert.deepEqual(changeKinds(before, after), [
    { kind: 'field-added', field: 'items[]' },
    { kind: 'field-added', field: 'permit.feeCents' },
    { kind: 'field-removed', field: 'permit.fee' },
    { kind: 'field-changed', field: 'inspector' },
    { kind: 'field-changed', field: 'items[].price' },
  ]);
});

test('a value that changes type is changed, and a null is a value', () => {
  assert.deepEqual(changeKinds(post({ a: { b: 1 }, c: null }), post({ a: 'flat', c: 0 })), [
    { kind: 'field-changed', field: 'a' },
    { kind: 'field-changed', field: 'c' },
  ]);
});

test('a field name that is not a plain name is written in backticks', () => {
  assert.deepEqual(changeKinds(post({}), post({ 'first name': 'A', 'a.b': 1 })), [
    { kind: 'field-added', field: '`a.b`' },
    { kind: 'field-added', field: '`first name`' },
  ]);
});

test('method, URL and headers are changes of their own', () => {
  const kinds = changeKinds(post({ a: 1 }, { headers: ['Authorization', 'X-Old'] }), post({ a: 1 }, { method: 'PUT', url: 'http://x/b', headers: ['Authorization', 'X-New'] }));
  assert.deepEqual(kinds, [{ kind: 'method-changed' }, { kind: 'url-changed' }, { kind: 'header-added', field: 'X-New' }, { kind: 'header-removed', field: 'X-Old' }]);
});

test('a body that is not JSON, or the same data written another way, is a changed body', () => {
  assert.deepEqual(changeKinds(post('a=1'), post('a=2')), [{ kind: 'body-changed' }]);
  assert.deepEqual(changeKinds(post('{"a":1,"b":2}'), post('{"b":2,"a":1}')), [{ kind: 'body-changed' }]);
  assert.deepEqual(changeKinds(post('"text"'), post('"other"')), [{ kind: 'body-changed' }]);
});

test('a body that appears or goes is the body added or removed', () => {
  const bodiless: RequestContent = { method: 'DELETE', url: 'http://x/a', headers: [] };
  const withBody: RequestContent = { ...bodiless, body: '{}' };
  assert.deepEqual(changeKinds(bodiless, withBody), [{ kind: 'field-added', field: '' }]);
  assert.deepEqual(changeKinds(withBody, bodiless), [{ kind: 'field-removed', field: '' }]);
});

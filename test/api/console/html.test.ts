/** The console's escaping template: every value is text unless it is markup the console made. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, html, queryString, raw } from '../../../engine/api/console/html.js';
import { HOSTILE } from './console-helpers.js';

test('escapes every character that could open markup or leave a quoted attribute', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&\`</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;');
});

test('a hostile event body interpolated into element content and an attribute stays text', () => {
  const page = String(html`<pre>${HOSTILE}</pre><input value="${HOSTILE}">`);
  assert.equal(page, `<pre>${escapeHtml(HOSTILE)}</pre><input value="${escapeHtml(HOSTILE)}">`);
  assert.doesNotMatch(page, /<img|<script|"><|onerror=alert\(1\)>/);
});

test('nested templates and arrays of them keep their markup; plain strings in arrays are escaped', () => {
  const items = ['<b>', 'ok'].map((item) => html`<li>${item}</li>`);
  assert.equal(String(html`<ul>${items}</ul>`), '<ul><li>&lt;b&gt;</li><li>ok</li></ul>');
  assert.equal(String(html`${['<i>', 1]}`), '&lt;i&gt;1');
});

test('null, undefined and false render as nothing; numbers and true as their text', () => {
  assert.equal(String(html`[${null}${undefined}${false}${0}${true}]`), '[0true]');
});

test('a string that looks like escaped markup is escaped again, not trusted', () => {
  assert.equal(String(html`${'&lt;script&gt;'}`), '&amp;lt;script&amp;gt;');
  assert.equal(String(html`${raw('<hr>')}`), '<hr>');
});

test('queryString leaves out empty values and encodes the rest', () => {
  assert.equal(queryString({ q: 'a = "<x>"&b', state: '', connector: undefined, after: '12' }), '?q=a+%3D+%22%3Cx%3E%22%26b&after=12');
  assert.equal(queryString({ state: '' }), '');
});

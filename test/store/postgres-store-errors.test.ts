/** Which PostgreSQL failures mean the server cannot be used now (STORE_UNAVAILABLE), and which are errors of a request. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { serverFailure } from '../../engine/store/postgres/store-errors.js';

it('takes lost connections, a full disk and a shutting-down server as the server unavailable, and a statement sent wrong as an error of its own', () => {
  for (const code of ['08006', '08001', '53100', '57P01', '25006', 'ECONNREFUSED']) assert.match(serverFailure({ code, message: 'x' }) ?? '', /PostgreSQL cannot be used now/, code);
  assert.match(serverFailure(new Error('Connection terminated unexpectedly')) ?? '', /Connection terminated/);
  for (const code of ['08P01', '23505', '42P01', '22P02']) assert.equal(serverFailure({ code, message: 'bind message supplies 2 parameters' }), undefined, code);
});

/**
 * A data directory that cannot take more writes, as on a full disk: the engine runs under a file
 * size limit (RLIMIT_FSIZE, set with util-linux `prlimit`) below what its WAL needs. Node ignores
 * SIGXFSZ, so SQLite's writes past the limit fail with EFBIG, a real I/O error. Ingest must answer
 * 503 STORE_UNAVAILABLE and store nothing of the refused batch, the engine must stay up, accept
 * again without a restart once the limit is lifted, and deliver every event it acknowledged.
 * GET /status shows the store as not writable meanwhile, and keeps the last failure after;
 * GET /readyz answers 503 with the reason, and /metrics shows it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { startEngineProcess } from '../helpers/engine-process.js';
import { useReceiverAndDir } from '../helpers/receiver-and-dir.js';
import { waitUntil } from '../helpers/wait-until.js';

const FILE_SIZE_LIMIT_BYTES = 1024 * 1024;
const BATCH = 100;
/** Far more than the limit holds: about 60 KB reach the WAL per batch. */
const MAX_BATCHES = 200;

const suite = useReceiverAndDir();

async function post(url: string, events: readonly object[]) {
  const response = await request(`${url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
  return { status: response.statusCode, body: (await response.body.json()) as { accepted?: { id: string }[]; error?: { code: string; message: string } } };
}

const batch = (prefix: string) => Array.from({ length: BATCH }, (_, i) => ({ type: 'permitApproved', id: `${prefix}-${i}`, note: 'x'.repeat(200) }));

test('a store that cannot write answers 503, loses nothing it acknowledged, and recovers without a restart', async () => {
  const { receiver, dir } = suite;
  const connectors = join(dir.path, 'connectors.d');
  await mkdir(connectors);
  await dir.write('connectors.d/sink.yaml', 'name: sink\ntarget:\n  url: ${env:RECEIVER_URL}\nroutes:\n  - on: "*"\n    map: \'{ "id": id }\'\n');
  const engine = await startEngineProcess(['--connectors', connectors, '--data', join(dir.path, 'data')], { RECEIVER_URL: receiver.url }, {
    launcher: ['prlimit', `--fsize=${FILE_SIZE_LIMIT_BYTES}:unlimited`, '--'],
  });
  try {
    const acknowledged: string[] = [];
    let refused: { prefix: string; status: number; code?: string; message?: string } | undefined;
    for (let b = 0; b < MAX_BATCHES && !refused; b++) {
      const answer = await post(engine.url, batch(`b${b}`));
      if (answer.status === 202) acknowledged.push(...answer.body.accepted!.map((a) => a.id));
      else refused = { prefix: `b${b}`, status: answer.status, code: answer.body.error?.code, message: answer.body.error?.message };
    }
    assert.ok(refused, `the file size limit never refused a batch in ${MAX_BATCHES}`);
    assert.ok(acknowledged.length > 0, 'batches before the limit were acknowledged');
    assert.deepEqual([refused.status, refused.code], [503, 'STORE_UNAVAILABLE']);
    assert.match(refused.message!, /nothing of this request was stored, so send it again later/);

    const get = async (path: string) => (await request(`${engine.url}${path}`)).statusCode;
    assert.equal(await get('/healthz'), 200, 'the engine is still up');
    const storeHealth = async () => ((await (await request(`${engine.url}/status`)).body.json()) as { store: { writable: boolean; lastFailure: { at: string; message: string } | null } }).store;
    const failing = await storeHealth();
    assert.equal(failing.writable, false, 'GET /status tells the operator');
    assert.match(failing.lastFailure?.message ?? '', /^the engine cannot store anything now: it cannot write to its data directory \(SQLITE_IOERR\w*\)$/);
    assert.equal(await get(`/events/${refused.prefix}-0`), 404, 'nothing of the refused batch was stored');
    const readiness = await request(`${engine.url}/readyz`);
    assert.equal(readiness.statusCode, 503, 'a load balancer stops sending events here');
    const notReady = (await readiness.body.json()) as { status: string; reasons: string[] };
    assert.equal(notReady.status, 'not ready');
    assert.match(notReady.reasons.join('\n'), /^the store cannot write: the engine cannot store anything now/);
    const metrics = await (await request(`${engine.url}/metrics`)).body.text();
    assert.match(metrics, /^hms_sync_store_writable 0$/m);
    assert.match(metrics, /^hms_sync_events_rejected_total\{reason="STORE_UNAVAILABLE"\} [1-9]/m);
    assert.equal(await get(`/events/${acknowledged[0]}`), 200);

    const lifted = spawnSync('prlimit', ['--pid', String(engine.child.pid), '--fsize=unlimited:unlimited'], { encoding: 'utf8' });
    assert.equal(lifted.status, 0, lifted.stderr);
    const again = await post(engine.url, batch(refused.prefix));
    assert.equal(again.status, 202, JSON.stringify(again.body));
    acknowledged.push(...again.body.accepted!.map((a) => a.id));
    const recovered = await storeHealth();
    assert.equal(recovered.writable, true, 'writable again once a write commits');
    assert.equal(await get('/readyz'), 200, 'ready again');
    // Background bookkeeping may have failed again before the limit was lifted: the latest failure shows.
    assert.ok(recovered.lastFailure && recovered.lastFailure.at >= failing.lastFailure!.at, 'the outage stays visible');
    assert.match(recovered.lastFailure.message, /^the engine cannot store anything now: /);

    await waitUntil(() => {
      const seen = new Set(receiver.requests.map((r) => (JSON.parse(r.body) as { id: string }).id));
      return acknowledged.every((id) => seen.has(id)) ? true : undefined;
    }, `all ${acknowledged.length} acknowledged events to be delivered`, 30_000, 100);
    assert.match(engine.stdout(), /STORE_UNAVAILABLE/, 'the refusal is logged for the operator');
  } finally {
    assert.equal(await engine.stop('SIGTERM'), 0);
  }
});

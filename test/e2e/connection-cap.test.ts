/**
 * 2,000 slow uploads against the engine as a child process, with its default caps: its memory
 * (the kernel's VmHWM, the peak resident set) stays bounded, it keeps answering other clients,
 * and the uploads it let in are stored once they finish.
 */
import assert from 'node:assert/strict';
import { readFile, mkdir } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { DEFAULT_MAX_INFLIGHT_BODY_BYTES } from '../../engine/api/inflight-bodies.js';
import { startEngineProcess } from '../helpers/engine-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitUntil } from '../helpers/wait-until.js';

const UPLOADS = 2_000;
/** One upload in this many is sent chunked, without Content-Length. */
const CHUNKED_EVERY = 10;
const BODY_BYTES = 1_000_000;
/** What a slow upload sends before it stalls. */
const FIRST_PIECE_BYTES = 64 * 1024;
const RSS_LIMIT_BYTES = 300 * 1024 * 1024;
/** The uploads have settled once few enough are open and none has been answered or closed for this long. */
const QUIET_MS = 1_000;

type Outcome = 'open' | 'refused-busy' | 'closed-unanswered' | 'answered-other';

interface Upload {
  readonly id: string;
  readonly chunked: boolean;
  readonly socket: Socket;
  outcome(): Outcome;
  answer(): string;
  readonly closed: Promise<void>;
}

const PAD = 'x'.repeat(BODY_BYTES);

/** An upload's body of BODY_BYTES, as the piece sent first and the rest. */
function bodyPieces(id: string): [string, string] {
  const head = `{"type":"upload","id":"${id}","pad":"`;
  const padBytes = BODY_BYTES - head.length - 2;
  const inFirst = FIRST_PIECE_BYTES - head.length;
  return [head + PAD.slice(0, inFirst), `${PAD.slice(inFirst, padBytes)}"}`];
}

function startUpload(port: number, index: number): Upload {
  const id = `upload-${String(index).padStart(4, '0')}`;
  const chunked = index % CHUNKED_EVERY === 0;
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (answer += chunk));
  socket.on('error', () => {}); // a refused or dropped upload's writes fail; its outcome says so
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('connect', () => {
    const [piece] = bodyPieces(id);
    const length = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${BODY_BYTES}`;
    const head = `POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${length}\r\n\r\n`;
    socket.write(head + (chunked ? `${piece.length.toString(16)}\r\n${piece}\r\n` : piece));
  });
  let ended = false;
  void closed.then(() => (ended = true));
  return {
    id,
    chunked,
    socket,
    answer: () => answer,
    closed,
    outcome() {
      if (/^HTTP\/1\.1 503 [^]*"code":"INGEST_BUSY"/.test(answer)) return 'refused-busy';
      if (answer !== '') return 'answered-other';
      return ended ? 'closed-unanswered' : 'open';
    },
  };
}

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  assert.ok(kib, `VmHWM in /proc/${pid}/status`);
  return Number(kib[1]) * 1024;
}

test('2,000 slow 1 MB uploads: the engine stays under 300 MB, keeps serving /healthz and other clients, and stores the uploads it let in', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.cleanup());
  await mkdir(join(dir.path, 'connectors.d'));
  await dir.write('connectors.d/sink.yaml', 'name: sink\ntarget:\n  url: http://127.0.0.1:9\nroutes:\n  - on: notUploads\n');
  const engine = await startEngineProcess(['--connectors', join(dir.path, 'connectors.d'), '--data', join(dir.path, 'data')]);
  const uploads: Upload[] = [];
  t.after(async () => {
    for (const upload of uploads) upload.socket.destroy();
    await engine.stop();
  });
  const port = Number(new URL(engine.url).port);

  for (let index = 0; index < UPLOADS; index++) uploads.push(startUpload(port, index));
  // At most this many can be let in: the declared uploads whose 1 MB fits in the cap, and every
  // chunked one (64 KiB each so far). Past that, the last refusals may still be on their way.
  const mostHeld = Math.floor(DEFAULT_MAX_INFLIGHT_BODY_BYTES / BODY_BYTES) + UPLOADS / CHUNKED_EVERY;
  let settled = -1;
  let quietSince = Date.now();
  await waitUntil(() => {
    const now = uploads.filter((upload) => upload.outcome() !== 'open').length;
    if (now !== settled) [settled, quietSince] = [now, Date.now()];
    return (UPLOADS - settled <= mostHeld && Date.now() - quietSince >= QUIET_MS) || undefined;
  }, 'the uploads to settle', 60_000, 50);

  const count = (outcome: Outcome) => uploads.filter((upload) => upload.outcome() === outcome).length;
  const heldWhole = uploads.filter((upload) => !upload.chunked && upload.outcome() === 'open');
  t.diagnostic(`open ${count('open')} (of them declared 1 MB: ${heldWhole.length}), refused INGEST_BUSY ${count('refused-busy')}, closed unanswered ${count('closed-unanswered')}`);
  assert.equal(count('answered-other'), 0, uploads.find((upload) => upload.outcome() === 'answered-other')?.answer());
  assert.ok(count('refused-busy') > 0, 'some uploads were refused');
  assert.ok(heldWhole.length > 0, 'some declared uploads were let in');
  assert.ok(heldWhole.length * BODY_BYTES <= DEFAULT_MAX_INFLIGHT_BODY_BYTES, `${heldWhole.length} uploads of 1 MB held`);

  const health = await request(`${engine.url}/healthz`);
  assert.equal(health.statusCode, 200);
  assert.deepEqual(await health.body.json(), { status: 'ok' });
  const status = await request(`${engine.url}/status`);
  assert.equal(status.statusCode, 200);
  await status.body.dump();
  const lookup = await request(`${engine.url}/events/${heldWhole[0]!.id}`);
  assert.equal(lookup.statusCode, 404, 'an upload not yet finished is not stored');
  await lookup.body.dump();

  const finishing = heldWhole.slice(0, 3);
  for (const upload of finishing) upload.socket.write(bodyPieces(upload.id)[1]);
  for (const upload of finishing) {
    await waitUntil(() => upload.answer() || undefined, `${upload.id} to be answered`);
    assert.match(upload.answer(), /^HTTP\/1\.1 202 /);
    const stored = await request(`${engine.url}/events/${upload.id}`);
    assert.equal(stored.statusCode, 200);
    await stored.body.dump();
  }
  for (const upload of uploads) upload.socket.destroy();
  const small = await waitUntil(async () => {
    const response = await request(`${engine.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"upload","id":"small-1"}' });
    await response.body.dump();
    return response.statusCode === 202 ? response : undefined;
  }, 'a small batch to be accepted once the uploads are gone');
  assert.equal(small.statusCode, 202);

  const peak = await peakRss(engine.child.pid!);
  t.diagnostic(`engine peak RSS (VmHWM) ${(peak / 1024 ** 2).toFixed(0)} MB`);
  assert.ok(peak < RSS_LIMIT_BYTES, `peak RSS ${(peak / 1024 ** 2).toFixed(0)} MB`);
});

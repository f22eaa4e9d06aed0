/**
 * The bench's profile summary on a real V8 CPU profile: a child process under --cpu-prof whose
 * busy loop lives in a module at dist/engine/store/busy.js is charged to `store/busy`, even for
 * the time spent in the built-ins it calls.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { summarizeNewestProfile } from '../../bench/profile-summary.js';

const run = promisify(execFile);

test('charges busy time to the innermost engine module on the stack, idle left out', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'hms-profile-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'dist', 'engine', 'store'), { recursive: true });
  const busy = join(root, 'dist', 'engine', 'store', 'busy.js');
  await writeFile(busy, `export function burn(ms) { const end = Date.now() + ms; let n = 0; while (Date.now() < end) n += JSON.stringify({ n }).length; return n; }\n`);
  const main = join(root, 'main.mjs');
  await writeFile(main, `import { burn } from ${JSON.stringify(busy)};\nburn(400);\nawait new Promise((resolve) => setTimeout(resolve, 300));\n`);
  const profiles = join(root, 'profiles');
  await run(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profiles}`, main]);

  const summary = await summarizeNewestProfile(profiles, 5);
  const store = summary.byModule.find((entry) => entry.name === 'store/busy');
  assert.ok(store, `store/busy is among ${JSON.stringify(summary.byModule)}`);
  assert.ok(store.share > 0.5, `most busy time is the loop's: ${store.share}`);
  assert.ok(summary.idleMs > 100, `the 300 ms wait is idle, not busy: idle ${summary.idleMs} ms`);
  assert.ok(summary.byFunction.some((entry) => entry.name.startsWith('burn store/busy.js:1') || entry.name.includes('stringify')), JSON.stringify(summary.byFunction));
});

test('says when the directory holds no profile', async (t) => {
  const empty = await mkdtemp(join(tmpdir(), 'hms-profile-'));
  t.after(() => rm(empty, { recursive: true, force: true }));
  await assert.rejects(summarizeNewestProfile(empty), /no \.cpuprofile in .*did it stop cleanly/);
});

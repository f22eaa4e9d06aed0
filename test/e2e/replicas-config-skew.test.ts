/**
 * A rolling config change across two replicas on one PostgreSQL schema: while one runs a changed
 * connector file, GET /status (configSkew), GET /readyz (a warning, still 200) and the metric
 * hms_sync_config_revisions say so and name the replica behind; once both run the same files the
 * skew clears.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { startEngineProcesses, type EngineProcess } from '../helpers/engine-process.js';
import { useReceiverAndDir } from '../helpers/receiver-and-dir.js';
import { borrowPostgresDatabase, type Borrowed } from '../helpers/servers/shared-servers.js';
import { waitUntil } from '../helpers/wait-until.js';

const suite = useReceiverAndDir();
let database: Borrowed;
before(async () => (database = await borrowPostgresDatabase('pg_skew_e2e')));
after(() => database.close());

const SINK = (map: string) => `name: sink\ntarget:\n  url: \${env:RECEIVER_URL}\nroutes:\n  - on: "*"\n    map: '${map}'\n`;

interface Status {
  revision: string;
  replicas: { id: string; revision: string; self: boolean }[];
  configSkew: { newest: string; behind: { id: string; revision: string }[] } | null;
}

async function json<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await request(url);
  return { status: response.statusCode, body: (await response.body.json()) as T };
}

async function revisionGauge(engine: EngineProcess): Promise<Record<string, number>> {
  const text = await (await request(`${engine.url}/metrics`)).body.text();
  return Object.fromEntries([...text.matchAll(/^hms_sync_config_revisions\{revision="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

test('a rolling config change shows as config skew in /status, /readyz and the metric while it lasts, and clears', async () => {
  const { dir, receiver } = suite;
  const [dirA, dirB] = [join(dir.path, 'a'), join(dir.path, 'b')];
  await Promise.all([mkdir(dirA), mkdir(dirB)]);
  await dir.write('a/sink.yaml', SINK('{ "id": id }'));
  await dir.write('b/sink.yaml', SINK('{ "id": id }'));
  const common = ['--store', database.url, '--store-schema', 'skew_e2e', '--lease', '3s', '--lease-renew', '500ms'];
  const env = { RECEIVER_URL: receiver.url };
  const [a, b] = await startEngineProcesses([[['--connectors', dirA, ...common], env], [['--connectors', dirB, ...common], env]]);
  try {
    const both = await waitUntil(async () => {
      const { body } = await json<Status>(`${a.url}/status`);
      return body.replicas.length === 2 ? body : undefined;
    }, 'both replicas live', 10_000, 100);
    assert.equal(both.configSkew, null, 'the same files: no skew');
    const idOf = async (engine: EngineProcess) => (await json<Status>(`${engine.url}/status`)).body.replicas.find((r) => r.self)!.id;
    const [idA, idB] = [await idOf(a), await idOf(b)];

    // The rollout reaches b first: b runs a changed file, a is behind.
    await dir.write('b/sink.yaml', SINK('{ "id": id, "v": 2 }'));
    const skewed = await waitUntil(async () => {
      const { body } = await json<Status>(`${a.url}/status`);
      return body.configSkew !== null ? body : undefined;
    }, 'config skew in GET /status', 15_000, 100);
    assert.deepEqual(skewed.configSkew!.behind.map((r) => r.id), [idA]);
    assert.notEqual(skewed.configSkew!.newest, skewed.configSkew!.behind[0]!.revision);
    assert.ok(skewed.replicas.some((r) => r.id === idB && r.revision === skewed.configSkew!.newest));
    const ready = await waitUntil(async () => {
      const answer = await json<{ status: string; warnings: string[] }>(`${b.url}/readyz`);
      return answer.body.warnings.some((w) => w.startsWith('config skew')) ? answer : undefined;
    }, 'a config skew warning in GET /readyz', 10_000, 100);
    assert.equal(ready.status, 200, 'a warning, not a failure');
    const gauge = await revisionGauge(a);
    assert.deepEqual(Object.values(gauge).sort(), [1, 1], `two revisions, one replica each: ${JSON.stringify(gauge)}`);

    // The rollout reaches a: the skew clears everywhere.
    await dir.write('a/sink.yaml', SINK('{ "id": id, "v": 2 }'));
    await waitUntil(async () => ((await json<Status>(`${b.url}/status`)).body.configSkew === null ? true : undefined), 'the skew to clear in GET /status', 15_000, 100);
    await waitUntil(async () => ((await json<{ warnings: string[] }>(`${a.url}/readyz`)).body.warnings.length === 0 ? true : undefined), 'the readyz warning to clear', 10_000, 100);
    assert.deepEqual(Object.values(await revisionGauge(b)), [2]);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

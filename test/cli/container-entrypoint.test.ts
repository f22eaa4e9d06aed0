/**
 * No Docker engine runs here, so the image's contract is tested by running its entrypoint as a
 * plain process with the environment the Dockerfile sets: the paths inside the image are mapped
 * onto this checkout and temp dirs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ENGINE_NODE_FLAGS } from '../../engine/cli/node-flags.js';
import { runCli, startEngineProcess } from '../helpers/engine-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

interface Image {
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  healthcheck: string[];
}

/** Reads ENV, ENTRYPOINT, CMD and HEALTHCHECK of the final stage. */
async function readDockerfile(): Promise<Image> {
  const text = (await readFile(join(REPO, 'Dockerfile'), 'utf8')).replace(/\\\n\s*/g, ' ');
  const finalStage = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of finalStage.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const [, key, value] of line.slice(4).matchAll(/(\w+)=(\S+)/g)) env[key!] = value!;
  }
  const json = (instruction: string) => JSON.parse(new RegExp(`^${instruction} (\\[.*\\])$`, 'm').exec(finalStage)![1]!) as string[];
  const health = /^HEALTHCHECK .*?CMD (\[.*\])$/m.exec(finalStage)![1]!;
  return { env, entrypoint: json('ENTRYPOINT'), cmd: json('CMD'), healthcheck: JSON.parse(health) as string[] };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(command: string[], env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve) => spawn(command[0]!, command.slice(1), { env: { ...process.env, ...env }, stdio: 'ignore' }).on('close', resolve));
}

describe('container entrypoint', () => {
  let image: Image;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  before(async () => {
    image = await readDockerfile();
    dir = await tempDir();
  });
  after(async () => {
    await dir.cleanup();
  });

  /** The image's environment with its in-image paths mapped onto this machine. */
  const containerEnv = (extra: Record<string, string> = {}) => ({
    ...image.env,
    HMS_SYNC_CONNECTORS: join(REPO, 'connectors.d'),
    HMS_SYNC_DATA: join(dir.path, 'var-lib-hms-sync'),
    ...extra,
  });

  test('the image runs `hms-sync run` on 0.0.0.0:8080 with connectors and data at the documented paths', () => {
    assert.deepEqual(image.entrypoint, ['node', ...ENGINE_NODE_FLAGS, '/app/dist/engine/cli/main.js']);
    assert.deepEqual(image.cmd, ['run']);
    assert.equal(image.env.HMS_SYNC_CONNECTORS, '/etc/hms-sync/connectors.d');
    assert.equal(image.env.HMS_SYNC_DATA, '/var/lib/hms-sync');
    assert.equal(image.env.HMS_SYNC_HOST, '0.0.0.0');
    assert.equal(image.env.HMS_SYNC_PORT, '8080');
  });

  test('npm start, the bin and the benchmark run the engine with the same Node flags as the image', async () => {
    const start = (JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    // exec: npm's SIGTERM goes to the engine itself, not to a shell (test/cli/npm-package.test.ts).
    assert.equal(start, `exec node ${ENGINE_NODE_FLAGS.join(' ')} dist/engine/cli/main.js run`);
    const shebang = (await readFile(join(REPO, 'engine', 'cli', 'main.ts'), 'utf8')).split('\n')[0];
    assert.equal(shebang, `#!/usr/bin/env -S node ${ENGINE_NODE_FLAGS.join(' ')}`);
  });

  test('both stages run Node 24 slim; the image has git and `hms-sync` on PATH for CI jobs', async () => {
    const dockerfile = (await readFile(join(REPO, 'Dockerfile'), 'utf8')).replace(/\\\n\s*/g, ' ');
    assert.deepEqual([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]), ['node:24-trixie-slim', 'node:24-trixie-slim']);
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    assert.match(finalStage, /^RUN .*apt-get install -y --no-install-recommends git ca-certificates /m);
    const script = image.entrypoint.at(-1)!;
    assert.match(finalStage, new RegExp(`^RUN .*ln -s ${script} /usr/local/bin/hms-sync`, 'm'));
    assert.match(dockerfile, new RegExp(`chmod \\+x ${script.replace('/app/', '')}`), 'the linked script is executable (its shebang runs node)');
  });

  test('without HMS_SYNC_API_TOKEN it refuses to listen on 0.0.0.0 and says so', async () => {
    const result = await runCli(image.cmd, containerEnv({ HMS_SYNC_API_TOKEN: '' }));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /refusing to listen on 0\.0\.0\.0 without an API token: set HMS_SYNC_API_TOKEN/);
  });

  test('with a token it serves, and its HEALTHCHECK passes', async () => {
    const port = String(await freePort());
    const engine = await startEngineProcess([], containerEnv({ HMS_SYNC_API_TOKEN: 'container-token-1234', HMS_SYNC_PORT: port }));
    try {
      assert.match(engine.url, new RegExp(`:${port}$`));
      assert.equal(await run(image.healthcheck, { HMS_SYNC_PORT: port }), 0);
    } finally {
      assert.equal(await engine.stop('SIGTERM'), 0);
    }
    assert.equal(await run(image.healthcheck, { HMS_SYNC_PORT: port }), 1, 'the healthcheck fails once the engine is gone');
  });

  test('`docker run IMAGE validate` checks the mounted connectors', async () => {
    const result = await runCli(['validate'], containerEnv());
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });
});

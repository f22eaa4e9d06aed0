import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { runCli } from '../helpers/engine-process.js';

const REPO_PACKAGE = new URL('../../../package.json', import.meta.url);

test('`hms-sync version` and `hms-sync --version` print the package version and the Node.js running it', async () => {
  const { version } = JSON.parse(await readFile(REPO_PACKAGE, 'utf8')) as { version: string };
  const expected = `hms-sync ${version} (Node.js ${process.version}, ${process.platform}-${process.arch})\n`;
  for (const args of [['version'], ['--version']]) {
    const result = await runCli(args);
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, expected, ''], args.join(' '));
  }
});

test('`hms-sync version` with an argument is a bad command line (exit 2)', async () => {
  const result = await runCli(['version', 'extra']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /version takes no arguments, got "extra"\nusage: hms-sync version/);
});

test('the command list names the version command', async () => {
  const result = await runCli(['--help']);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^ {2}version +print the version of hms-sync and of the Node\.js it runs on$/m);
});

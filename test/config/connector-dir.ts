/** Test helper: real connector files in a fresh temp directory, removed when the test ends. */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

/** Writes `files` (relative path → content) into a new temp dir and returns the dir. */
export async function connectorDir(t: TestContext, files: Readonly<Record<string, string | Uint8Array>>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hms-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

/** Joins lines with "\n" and a final newline, so line numbers in a test read off the array index + 1. */
export function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

/** A path inside the repository (works from test/ and from dist/test/). */
export function repoPath(...parts: string[]): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'schemas', 'connector.schema.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return join(dir, ...parts);
}

/** The smallest valid connector, for tests that vary one thing. */
export function minimalConnector(name = 'minimal'): string {
  return lines(`name: ${name}`, 'target:', '  url: http://127.0.0.1:9000', 'routes:', '  - on: permitApproved');
}

/**
 * Regenerates engine/config/schema/connector-file.generated.ts from schemas/connector.schema.json.
 * Run directly (`node dist/scripts/gen-types.js`) it writes the file; test/config/generated-types.test.ts
 * calls renderConnectorTypes() and fails when the checked-in file differs.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const BANNER = '/* Generated from schemas/connector.schema.json by npm run gen:types. Do not edit: change the schema and regenerate. */';
const SCHEMA_PATH = 'schemas/connector.schema.json';
export const GENERATED_TYPES_PATH = 'engine/config/schema/connector-file.generated.ts';

/** The repository root: the nearest ancestor of this module holding the schema (works from source and from dist/). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, SCHEMA_PATH))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${SCHEMA_PATH} not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

export async function renderConnectorTypes(): Promise<string> {
  const schema: unknown = JSON.parse(await readFile(join(repoRoot(), SCHEMA_PATH), 'utf8'));
  return compile(schema as Parameters<typeof compile>[0], 'ConnectorFile', { bannerComment: BANNER, additionalProperties: false });
}

async function main(): Promise<void> {
  const target = join(repoRoot(), GENERATED_TYPES_PATH);
  await writeFile(target, await renderConnectorTypes());
  process.stdout.write(`wrote ${target}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}

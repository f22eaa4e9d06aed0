/**
 * Regenerates the files derived from schemas/connector.schema.json: the connector file's types
 * (engine/config/schema/connector-file.generated.ts) and the format's defaults
 * (engine/config/schema/defaults.generated.ts). Run directly (`npm run gen:types`) it writes them;
 * test/config/schema/generated-types.test.ts renders them and fails when a checked-in file differs.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile } from 'json-schema-to-typescript';
import { renderConnectorDefaults } from './render-defaults.js';
import { readConnectorSchema, SCHEMA_PATH } from './schema-fields.js';

const BANNER = '/* Generated from schemas/connector.schema.json by npm run gen:types. Do not edit: change the schema and regenerate. */';

export interface GeneratedFile {
  /** Relative to the repository root. */
  readonly path: string;
  readonly render: () => Promise<string>;
}

export const GENERATED_FILES: readonly GeneratedFile[] = [
  { path: 'engine/config/schema/connector-file.generated.ts', render: renderConnectorTypes },
  { path: 'engine/config/schema/defaults.generated.ts', render: async () => renderConnectorDefaults(await readConnectorSchema(repoRoot()), BANNER) },
];

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

async function renderConnectorTypes(): Promise<string> {
  const schema = await readConnectorSchema(repoRoot());
  return compile(schema as Parameters<typeof compile>[0], 'ConnectorFile', { bannerComment: BANNER, additionalProperties: false });
}

async function main(): Promise<void> {
  for (const file of GENERATED_FILES) {
    const target = join(repoRoot(), file.path);
    await writeFile(target, await file.render());
    process.stdout.write(`wrote ${target}\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}

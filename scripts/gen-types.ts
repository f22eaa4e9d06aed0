/**
 * Regenerates the files derived from the config formats' schemas:
 *   schemas/connector.schema.json → engine/config/schema/connector-file.generated.ts (types)
 *                                   engine/config/schema/defaults.generated.ts (the format's defaults)
 *   schemas/source.schema.json    → engine/config/schema/source-file.generated.ts (types)
 *   schemas/engine.schema.json    → engine/config/schema/engine-file.generated.ts (types)
 * Run directly (`npm run gen:types`) it writes them; test/config/schema/generated-types.test.ts
 * renders each and fails when a checked-in file differs.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile } from 'json-schema-to-typescript';
import { renderConnectorDefaults } from './render-defaults.js';
import { readConnectorSchema, SCHEMA_PATH } from './schema-fields.js';

export interface GeneratedFile {
  /** Relative to the repository root. */
  readonly path: string;
  readonly render: () => Promise<string>;
}

const banner = (schema: string) => `/* Generated from ${schema} by npm run gen:types. Do not edit: change the schema and regenerate. */`;

/** The type of a whole file of `schema`, named `typeName`. */
async function renderTypes(schema: string, typeName: string): Promise<string> {
  const parsed: unknown = JSON.parse(await readFile(join(repoRoot(), schema), 'utf8'));
  return compile(parsed as Parameters<typeof compile>[0], typeName, { bannerComment: banner(schema), additionalProperties: false });
}

export const GENERATED_FILES: readonly GeneratedFile[] = [
  { path: 'engine/config/schema/connector-file.generated.ts', render: () => renderTypes(SCHEMA_PATH, 'ConnectorFile') },
  { path: 'engine/config/schema/defaults.generated.ts', render: async () => renderConnectorDefaults(await readConnectorSchema(repoRoot()), banner(SCHEMA_PATH)) },
  { path: 'engine/config/schema/source-file.generated.ts', render: () => renderTypes('schemas/source.schema.json', 'SourceFile') },
  { path: 'engine/config/schema/engine-file.generated.ts', render: () => renderTypes('schemas/engine.schema.json', 'EngineFile') },
];

/** The repository root: the nearest ancestor of this module holding the schemas (works from source and from dist/). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, SCHEMA_PATH))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${SCHEMA_PATH} not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
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

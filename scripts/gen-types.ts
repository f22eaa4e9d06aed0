/**
 * Regenerates the TypeScript types of the config formats from their schemas:
 *   schemas/connector.schema.json → engine/config/schema/connector-file.generated.ts
 *   schemas/source.schema.json    → engine/config/schema/source-file.generated.ts
 * Run directly (`node dist/scripts/gen-types.js`) it writes the files;
 * test/config/schema/generated-types.test.ts renders each and fails when the checked-in file differs.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile } from 'json-schema-to-typescript';

export interface GeneratedTypes {
  readonly schema: string;
  /** The name of the type of a whole file. */
  readonly typeName: string;
  readonly output: string;
}

export const GENERATED_TYPES: readonly GeneratedTypes[] = [
  { schema: 'schemas/connector.schema.json', typeName: 'ConnectorFile', output: 'engine/config/schema/connector-file.generated.ts' },
  { schema: 'schemas/source.schema.json', typeName: 'SourceFile', output: 'engine/config/schema/source-file.generated.ts' },
];

/** The repository root: the nearest ancestor of this module holding the schemas (works from source and from dist/). */
export function repoRoot(): string {
  const marker = GENERATED_TYPES[0]!.schema;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, marker))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${marker} not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

export async function renderTypes(generated: GeneratedTypes): Promise<string> {
  const schema: unknown = JSON.parse(await readFile(join(repoRoot(), generated.schema), 'utf8'));
  const bannerComment = `/* Generated from ${generated.schema} by npm run gen:types. Do not edit: change the schema and regenerate. */`;
  return compile(schema as Parameters<typeof compile>[0], generated.typeName, { bannerComment, additionalProperties: false });
}

async function main(): Promise<void> {
  for (const generated of GENERATED_TYPES) {
    const target = join(repoRoot(), generated.output);
    await writeFile(target, await renderTypes(generated));
    process.stdout.write(`wrote ${target}\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}

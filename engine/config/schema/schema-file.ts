/**
 * Where the JSON Schemas of schemas/ are on disk: the nearest `schemas/NAME` above this module,
 * which finds them from the source tree, from dist/ and from an installed package alike.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The path of `schemas/<name>`. Throws when no ancestor holds it (a broken install). */
export function schemaFilePath(name: string): string {
  const here = fileURLToPath(import.meta.url);
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    const file = join(dir, 'schemas', name);
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) throw new Error(`schemas/${name} not found above ${here}`);
  }
}

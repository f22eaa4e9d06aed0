/** Paths into a connector's data, and how Problems name them (`routes[0].map`, `target.headers["X-Key"]`). */
import type { DataPath } from './yaml-locator.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** A top-level key of a file may hold dashes (a source's `postgres-outbox:`); it is shown as written. */
const TOP_LEVEL_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['routes', 0, 'map']` → `routes[0].map`; the empty path → `` (the file as a whole). */
export function formatDataPath(path: DataPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (text === '' && TOP_LEVEL_KEY.test(segment)) text = segment;
    else if (IDENTIFIER.test(segment)) text += `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/**
 * An ajv instancePath (`/routes/0/on`) → a DataPath, reading `data` alongside so that array
 * indexes become numbers and mapping keys stay strings (even `"0"`).
 */
export function pointerToDataPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let current: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      const index = Number(segment);
      path.push(index);
      current = current[index];
    } else {
      path.push(segment);
      current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

/** Prefixes a message with the path it concerns, when there is one. */
export function at(path: DataPath, message: string): string {
  const where = formatDataPath(path);
  return where === '' ? message : `${where}: ${message}`;
}

/** The value at `path` in plain data, or undefined when there is none. */
export function valueAt(data: unknown, path: DataPath): unknown {
  let current = data;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

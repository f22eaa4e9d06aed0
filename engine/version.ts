import { readFileSync } from 'node:fs';

/** The package version, read from package.json when asked (never at import). */
export function packageVersion(): string {
  // dist/engine/version.js and engine/version.ts both sit two levels below the package root.
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

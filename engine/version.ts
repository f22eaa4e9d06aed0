import { readFileSync } from 'node:fs';

/** The package version, read from package.json when asked (never at import). */
export function packageVersion(): string {
  // dist/engine/version.js and engine/version.ts both sit two levels below the package root.
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/**
 * What `hms-sync version` prints: this package's version and the Node.js that runs it, with its
 * platform (the SQLite addon is built per Node ABI and platform), e.g.
 * `hms-sync 0.1.0 (Node.js v24.11.0, linux-x64)`. Made for bug reports and CI logs.
 */
export function versionLine(): string {
  return `hms-sync ${packageVersion()} (Node.js ${process.version}, ${process.platform}-${process.arch})`;
}

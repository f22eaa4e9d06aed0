/**
 * Which directory entries are connector files: `*.yaml` and `*.yml`, except dotfiles and
 * `*.test.yaml` / `*.test.yml` (connector tests, see load-with-tests.ts). Directories, `samples/`
 * among them, are never entered.
 */

/** Where connector files are read from unless told otherwise (`--connectors`, HMS_SYNC_CONNECTORS). */
export const DEFAULT_CONNECTORS_DIR = 'connectors.d';

export function isConnectorFileName(name: string): boolean {
  if (name.startsWith('.')) return false;
  if (!/\.ya?ml$/.test(name)) return false;
  return !/\.test\.ya?ml$/.test(name);
}

/**
 * Which directory entries are source files (`*.yaml`, `*.yml`, not dotfiles), and how a file named
 * on the command line is recognised as one by its content.
 */

/** Where source files are read from unless told otherwise (`--sources`, HMS_SYNC_SOURCES). */
export const DEFAULT_SOURCES_DIR = 'sources.d';

export function isSourceFileName(name: string): boolean {
  return !name.startsWith('.') && /\.ya?ml$/.test(name);
}

/** True when YAML text has a top-level `type:` key: every source file has one, no connector file does. */
export function looksLikeSourceFile(text: string): boolean {
  return /^type[ \t]*:/m.test(text);
}

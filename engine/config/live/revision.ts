/**
 * The revision of a loaded configuration: a content hash of the connectors and sources in force
 * (name and file hash of each; a configuration without sources hashes as it did before sources
 * existed), plus the git commit when the connectors directory is inside a git work tree.
 * The label `<hash>` or `<hash>@<commit7>` is logged on each reload and stored on every attempt.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { ConfigItem } from './reload-plan.js';

/** Hex digits of the content hash kept in the label. */
export const REVISION_HASH_LENGTH = 12;
/** Longest wait for `git rev-parse`; a slow or missing git only loses the commit. */
export const GIT_TIMEOUT_MS = 2_000;

export interface ConfigRevision {
  readonly hash: string;
  /** Full commit id, when the directory is in a git work tree. */
  readonly commit: string | null;
  readonly label: string;
}

export function revisionOf(connectors: readonly ConfigItem[], commit: string | null, sources: readonly ConfigItem[] = []): ConfigRevision {
  const digest = createHash('sha256');
  const lines = [...connectors.map((c) => `${c.name} ${c.revision}\n`), ...sources.map((s) => `source ${s.name} ${s.revision}\n`)];
  for (const line of lines.sort()) digest.update(line);
  const hash = digest.digest('hex').slice(0, REVISION_HASH_LENGTH);
  return { hash, commit, label: commit ? `${hash}@${commit.slice(0, 7)}` : hash };
}

/** The HEAD commit of the git work tree holding `dir`, or null (not a work tree, no git, no commit). */
export function gitCommitOf(dir: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', ['-C', dir, 'rev-parse', '--verify', '--quiet', 'HEAD'], { timeout: GIT_TIMEOUT_MS }, (error, stdout) => {
      const commit = stdout.trim();
      resolve(error || !/^[0-9a-f]{40,64}$/.test(commit) ? null : commit);
    });
  });
}

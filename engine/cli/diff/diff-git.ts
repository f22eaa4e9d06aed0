/**
 * The git side of `hms-sync diff`: which work tree a path is in, which commit a REF names, and the
 * files under a directory at that commit. git runs through execFile (no shell), so a REF or path
 * is always one argument and never interpreted by a shell.
 */
import { execFile } from 'node:child_process';
import { HmsError } from '../../errors.js';

/** Connector directories are small; this only bounds a mistaken PATH such as a whole monorepo. */
const GIT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

export interface TreeFile {
  /** Relative to the work tree's top level, with `/` separators. */
  readonly path: string;
  /** Blob id, read with readBlob. */
  readonly object: string;
}

function git(cwd: string, args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, encoding: 'buffer', maxBuffer: GIT_MAX_OUTPUT_BYTES, windowsHide: true }, (error, stdout, stderr) => {
      if (error === null) {
        resolve(stdout);
        return;
      }
      const detail = stderr.toString('utf8').trim() || error.message;
      const code = (error as NodeJS.ErrnoException).code;
      const message = code === 'ENOENT' ? 'git is not installed or not on PATH; diff needs it to read the base revision' : `git ${args[0] ?? ''} failed: ${detail}`;
      reject(new HmsError('GIT_FAILED', message, { cause: error }));
    });
  });
}

/** The top level of the work tree holding `dir` (an existing directory). */
export async function workTreeRoot(dir: string): Promise<string> {
  try {
    return (await git(dir, ['rev-parse', '--show-toplevel'])).toString('utf8').trim();
  } catch (error) {
    if (error instanceof HmsError && /not a git repository/i.test(error.message)) {
      throw new HmsError('GIT_FAILED', `"${dir}" is not inside a git work tree; diff compares the working tree with a git revision`, { cause: error });
    }
    throw error;
  }
}

/** The commit `ref` names; USAGE when it names none (a typo, or a shallow CI clone without it). */
export async function resolveCommit(root: string, ref: string): Promise<string> {
  if (ref === '' || ref.startsWith('-')) throw new HmsError('USAGE', `--base "${ref}" is not a git revision`);
  try {
    return (await git(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).toString('utf8').trim();
  } catch (error) {
    if (error instanceof HmsError && error.code === 'GIT_FAILED') {
      throw new HmsError(
        'USAGE',
        `--base "${ref}" does not name a commit in ${root}; check the spelling, or fetch it first (CI checkouts are often shallow: git fetch origin ${ref.replace(/^origin\//, '')})`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Regular files (not symlinks or submodules) under `path` at `commit`; [] when it did not exist there. */
export async function listTree(root: string, commit: string, path: string): Promise<TreeFile[]> {
  const args = ['--literal-pathspecs', 'ls-tree', '-r', '-z', commit];
  if (path !== '') args.push('--', path);
  const output = (await git(root, args)).toString('utf8');
  const files: TreeFile[] = [];
  for (const entry of output.split('\0')) {
    // <mode> SP <type> SP <object> TAB <path>
    const match = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(entry);
    if (match === null) continue;
    const [, mode, type, object, file] = match;
    if (type === 'blob' && (mode === '100644' || mode === '100755') && object !== undefined && file !== undefined) files.push({ path: file, object });
  }
  return files;
}

export function readBlob(root: string, object: string): Promise<Buffer> {
  return git(root, ['cat-file', 'blob', object]);
}

/**
 * Watches a connectors directory (the directory itself, never single files) and calls `onChange`
 * once per burst of events. Watching the directory is what makes every way of changing files
 * visible: editors that save by rename, `git pull` or checkout rewriting many files, and
 * Kubernetes ConfigMap volumes, where kubelet swaps the `..data` symlink atomically.
 *
 * A directory that is removed, or replaced by another (`rm -rf connectors.d && cp -r new
 * connectors.d`), is watched again. chokidar keeps watching a directory that is gone and does not
 * always report its removal, so the directory's identity (see identityOf) is checked every
 * `identityCheckMs`; when it changes, the watch starts afresh on what is there now, and the
 * change is reported.
 */
import { statSync } from 'node:fs';
import { watch, type FSWatcher } from 'chokidar';

/** Quiet time after the last event before a burst counts as finished. */
export const RELOAD_DEBOUNCE_MS = 250;
/** How often the directory's identity is checked. */
export const IDENTITY_CHECK_MS = 1_000;

export interface DirectoryWatch {
  /** Resolves once the initial scan is done and changes are being reported. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export function watchDirectory(dir: string, onChange: () => void, debounceMs = RELOAD_DEBOUNCE_MS, identityCheckMs = IDENTITY_CHECK_MS): DirectoryWatch {
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };

  const start = (): FSWatcher =>
    watch(dir, {
      ignoreInitial: true,
      // Entries of the directory and one level below: ConfigMap's timestamped ..data directories.
      depth: 1,
      // Symlinks are reported as entries, not followed: a ConfigMap swap shows up as ..data changing.
      followSymlinks: false,
    }).on('all', changed);

  let watcher = start();
  let identity = identityOf(dir);
  const identityCheck = setInterval(() => {
    const now = identityOf(dir);
    if (now === identity) return;
    identity = now;
    void watcher.close();
    changed();
    if (now !== undefined) watcher = start();
  }, identityCheckMs);
  // The check alone never keeps the process alive.
  identityCheck.unref();

  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    async close() {
      clearInterval(identityCheck);
      clearTimeout(timer);
      await watcher.close();
    },
  };
}

/**
 * Device, inode and birth time of the directory, or undefined when there is none. The birth time
 * matters: a directory created right after another was removed often gets the same inode number.
 * (Where the file system keeps no birth time it reads as 0, and only the inode tells them apart.)
 */
function identityOf(dir: string): string | undefined {
  const stats = statSync(dir, { throwIfNoEntry: false });
  return stats?.isDirectory() ? `${stats.dev}:${stats.ino}:${stats.birthtimeMs}` : undefined;
}

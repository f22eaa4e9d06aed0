/**
 * Watches a connectors directory (the directory itself, never single files) and calls `onChange`
 * once per burst of events. Watching the directory is what makes every way of changing files
 * visible: editors that save by rename, `git pull` or checkout rewriting many files, and
 * Kubernetes ConfigMap volumes, where kubelet swaps the `..data` symlink atomically.
 */
import { watch } from 'chokidar';

/** Quiet time after the last event before a burst counts as finished. */
export const RELOAD_DEBOUNCE_MS = 250;

export interface DirectoryWatch {
  /** Resolves once the initial scan is done and changes are being reported. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export function watchDirectory(dir: string, onChange: () => void, debounceMs = RELOAD_DEBOUNCE_MS): DirectoryWatch {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, {
    ignoreInitial: true,
    // Entries of the directory and one level below: ConfigMap's timestamped ..data directories.
    depth: 1,
    // Symlinks are reported as entries, not followed: a ConfigMap swap shows up as ..data changing.
    followSymlinks: false,
  });
  watcher.on('all', () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}

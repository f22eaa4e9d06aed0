import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the OS temp dir; `cleanup` removes it. */
export async function tempDir(prefix = 'hms-sync-test-'): Promise<{ path: string; write(name: string, text: string): Promise<string>; cleanup(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {
    path,
    async write(name, text) {
      const file = join(path, name);
      await writeFile(file, text);
      return file;
    },
    cleanup: () => rm(path, { recursive: true, force: true }),
  };
}

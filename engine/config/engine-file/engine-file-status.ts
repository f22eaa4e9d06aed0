/**
 * Whether the engine settings file changed since start, for GET /status: the file is read at start
 * only, so an operator who edited it needs to know a restart is due.
 */
import { readFile } from 'node:fs/promises';
import { engineFileHash } from './load-engine-file.js';

export interface EngineFileStatus {
  readonly file: string;
  /** True when the file's bytes differ from those read at start, or it is gone. */
  readonly changedSinceStart: boolean;
}

export async function engineFileStatus(read: { readonly path: string; readonly hash: string }): Promise<EngineFileStatus> {
  const now = await readFile(read.path).then(engineFileHash, () => undefined);
  return { file: read.path, changedSinceStart: now !== read.hash };
}

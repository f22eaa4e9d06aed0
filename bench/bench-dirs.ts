/** A fresh temp directory per engine run: connectors.d/ with the sink connector, and data/. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sinkConnectorYaml, type SinkConnector } from './bench-workload.js';

export interface BenchDirs {
  readonly connectorsDir: string;
  readonly dataDir: string;
  /** Removes everything. Call it only after the engine has exited. */
  cleanup(): Promise<void>;
}

export async function makeBenchDirs(connector: SinkConnector): Promise<BenchDirs> {
  const root = await mkdtemp(join(tmpdir(), 'hms-sync-bench-'));
  const connectorsDir = join(root, 'connectors.d');
  const dataDir = join(root, 'data');
  await mkdir(connectorsDir);
  await mkdir(dataDir);
  await writeFile(join(connectorsDir, 'sink.yaml'), sinkConnectorYaml(connector));
  return { connectorsDir, dataDir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/**
 * Calls an exported function in a worker thread, so a call that never returns (a regex
 * backtracking for hours, say) fails the test instead of hanging the test process: the worker
 * is terminated after `timeoutMs`, a bound far above what a correct call needs.
 */
import { Worker } from 'node:worker_threads';

export async function callInWorker(moduleUrl: URL, exportName: string, args: readonly unknown[], timeoutMs = 10_000): Promise<unknown> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.url).then(async (module) => parentPort.postMessage(await module[workerData.name](...workerData.args)));`;
  const worker = new Worker(source, { eval: true, workerData: { url: moduleUrl.href, name: exportName, args } });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${exportName} did not return within ${timeoutMs} ms`)), timeoutMs);
      worker.once('message', (value) => (clearTimeout(timer), resolve(value)));
      worker.once('error', (error) => (clearTimeout(timer), reject(error)));
    });
  } finally {
    await worker.terminate();
  }
}

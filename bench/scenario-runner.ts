/**
 * Runs the scenarios of one bench run: each logs its title and how long it took; one that fails is
 * logged and added to `problems`, resolves null, and the others still run. Memory is collected
 * between scenarios (when node runs with --expose-gc), so one does not pay for the last's garbage.
 */
export type RunScenario = <T>(title: string, run: () => Promise<T>) => Promise<T | null>;

export function scenarioRunner(problems: string[], log: (line: string) => void): RunScenario {
  return async <T>(title: string, run: () => Promise<T>): Promise<T | null> => {
    log(title);
    const started = Date.now();
    try {
      const result = await run();
      log(`    done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      problems.push(`${title.trim()} failed: ${message}`);
      log(`    failed: ${message}`);
      return null;
    } finally {
      globalThis.gc?.();
    }
  };
}

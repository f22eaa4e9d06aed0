/**
 * CPU time used by a process (all its threads, user + system), in milliseconds. Throughput on a
 * shared two-core machine moves with whatever else runs; CPU time per event moves much less, and
 * the sum over the bench's processes shows whether the machine was saturated.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every mainstream Linux. */
export function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

/** Returns a reader of another process's CPU milliseconds (null where /proc is unavailable). */
export function processCpuReader(): (pid: number) => number | null {
  const msPerTick = 1000 / clockTicksPerSecond();
  return (pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * msPerTick;
    } catch {
      return null;
    }
  };
}

/** This process's CPU milliseconds since `since` (a process.cpuUsage() reading). */
export function ownCpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

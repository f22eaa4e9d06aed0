/**
 * CPU time a PostgreSQL server has used (user + system, ms): its postmaster, every process it
 * started that is alive (backends, WAL writer, checkpointer, autovacuum), and the children that
 * exited already (the postmaster's cutime and cstime). A difference of two readings is the
 * server's share of a run, for CPU per event. Null where /proc is unavailable.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clockTicksPerSecond } from './process-cpu.js';

export function postgresCpuReader(dataDir: string): () => number | null {
  const msPerTick = 1000 / clockTicksPerSecond();
  return () => {
    try {
      const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
      let ticks = 0;
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const fields = statFields(entry);
        if (fields === null) continue;
        const pid = Number(entry);
        // Fields after the command name: ppid is 4th (index 1), utime 14, stime 15, cutime 16, cstime 17.
        if (pid === postmaster) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
        else if (Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
      }
      return ticks * msPerTick;
    } catch {
      return null;
    }
  };
}

function statFields(pid: string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // gone since the listing
  }
}

/**
 * On-CPU time (ms, nanosecond resolution from /proc/<pid>/schedstat) of one server backend, for a
 * statement's CPU apart from the time it waited for a core on a loaded machine. Null where the
 * server's processes are not readable here (another host, no /proc).
 */
export function backendCpuReader(backendPid: number): () => number | null {
  return () => {
    try {
      return Number(readFileSync(`/proc/${backendPid}/schedstat`, 'utf8').split(' ', 1)[0]) / 1e6;
    } catch {
      return null;
    }
  };
}

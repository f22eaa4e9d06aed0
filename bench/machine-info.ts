/** What the figures were measured on: they mean little without it. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, platform, arch, totalmem, tmpdir, loadavg } from 'node:os';

export interface MachineInfo {
  /** What `nproc` prints: CPUs this process may use. */
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly platform: string;
  /** Where the engine's SQLite data dirs live, and that filesystem's type (fsync cost differs a lot). */
  readonly dataDir: string;
  readonly dataFsType: string | null;
  /** 1-minute load average when the run started (it still counts the build that `npm run bench` just ran). */
  readonly loadAverageAtStart: number;
  /** Share of all CPUs busy during a short sample just before the run; null off Linux. Other work skews every figure. */
  readonly cpuBusyBeforeRun: number | null;
}

/** How long the pre-run CPU sample lasts. */
export const CPU_SAMPLE_MS = 1_000;

export async function machineInfo(): Promise<MachineInfo> {
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${platform()} ${arch()}`,
    dataDir: tmpdir(),
    dataFsType: filesystemType(tmpdir()),
    loadAverageAtStart: loadAverage(),
    cpuBusyBeforeRun: await cpuBusy(CPU_SAMPLE_MS),
  };
}

/** The 1-minute load average, rounded to hundredths (0 where the OS has none). */
export function loadAverage(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

/** Busy share (0..1) of all CPUs over `sampleMs`, from the first line of /proc/stat; null off Linux. */
async function cpuBusy(sampleMs: number): Promise<number | null> {
  const read = (): { idle: number; total: number } | null => {
    try {
      const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
      // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
      return { idle: (fields[3] ?? 0) + (fields[4] ?? 0), total: fields.slice(0, 8).reduce((sum, value) => sum + value, 0) };
    } catch {
      return null;
    }
  };
  const before = read();
  if (!before) return null;
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const after = read();
  if (!after || after.total <= before.total) return null;
  return 1 - (after.idle - before.idle) / (after.total - before.total);
}

/** The type of the longest mount point containing `path`, from /proc/mounts; null off Linux. */
function filesystemType(path: string): string | null {
  try {
    let best: { point: string; type: string } | null = null;
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, point, type] = line.split(' ');
      if (!point || !type) continue;
      const contains = path === point || path.startsWith(point.endsWith('/') ? point : `${point}/`);
      if (contains && (!best || point.length > best.point.length)) best = { point, type };
    }
    return best?.type ?? null;
  } catch {
    return null;
  }
}

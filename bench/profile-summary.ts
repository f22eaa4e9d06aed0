/**
 * Where a V8 CPU profile's busy time went (`npm run bench -- --profile DIR`), for the engine of
 * scenario (b). Each sample's time is charged to the innermost engine module on its stack, so a
 * call into better-sqlite3 counts for the store module that made it; samples with no engine frame
 * go to the dependency they ran in (undici's own parsing and writing), to the garbage collector,
 * or to Node's internals. Idle time is left out: shares are of the time the main thread was busy.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileShare {
  readonly name: string;
  /** Of the busy time, 0 to 1. */
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly busyMs: number;
  readonly idleMs: number;
  /** Busy time by engine module (`store/sqlite/write-ops`), dependency (`undici`), `(gc)` or `(node)`. */
  readonly byModule: readonly ProfileShare[];
  /** Busy time by function where the sample was taken (self time), with its file and line. */
  readonly byFunction: readonly ProfileShare[];
}

const NOT_BUSY = new Set(['(idle)', '(program)']);
const ENGINE_MODULE = /\/dist\/engine\/(.+)\.js$/;
const DEPENDENCY = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;

/** The newest .cpuprofile in `dir`, summarized; `top` entries of each list. */
export async function summarizeNewestProfile(dir: string, top = 15): Promise<ProfileSummary> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile')).map((name) => join(dir, name));
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}: the engine did not write one (did it stop cleanly?)`);
  const dated = await Promise.all(files.map(async (file) => ({ file, at: (await stat(file)).mtimeMs })));
  const newest = dated.sort((a, b) => b.at - a.at)[0]!.file;
  return summarizeProfile(newest, JSON.parse(await readFile(newest, 'utf8')) as CpuProfile, top);
}

export function summarizeProfile(file: string, profile: CpuProfile, top: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const timeOf = new Map<number, number>();
  profile.samples.forEach((id, index) => timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));

  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  for (const [id, us] of timeOf) {
    const frame = byId.get(id)!.callFrame;
    if (NOT_BUSY.has(frame.functionName)) {
      idleUs += us;
      continue;
    }
    busyUs += us;
    add(modules, moduleOf(id, byId, parentOf), us);
    add(functions, `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`, us);
  }
  const ranked = (times: Map<string, number>) =>
    [...times].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, share: busyUs === 0 ? 0 : us / busyUs }));
  return { file, busyMs: busyUs / 1000, idleMs: idleUs / 1000, byModule: ranked(modules), byFunction: ranked(functions) };
}

function moduleOf(id: number, byId: Map<number, ProfileNode>, parentOf: Map<number, number>): string {
  const sampled = byId.get(id)!.callFrame;
  if (sampled.functionName === '(garbage collector)') return '(gc)';
  let dependency: string | undefined;
  for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
    const { url } = byId.get(current)!.callFrame;
    const engine = ENGINE_MODULE.exec(url);
    if (engine) return engine[1]!;
    dependency ??= DEPENDENCY.exec(url)?.[1];
  }
  return dependency ?? '(node)';
}

function shortUrl(url: string): string {
  return url.replace(/^.*\/dist\/engine\//, '').replace(/^.*\/node_modules\//, '').replace(/^node:/, '');
}

function add(times: Map<string, number>, key: string, us: number): void {
  times.set(key, (times.get(key) ?? 0) + us);
}

/** The summary as report lines. */
export function formatProfileSummary(summary: ProfileSummary): string {
  const percent = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
  return [
    `  CPU profile of (b)'s engine: ${summary.file}`,
    `  main thread busy ${(summary.busyMs / 1000).toFixed(1)} s, idle ${(summary.idleMs / 1000).toFixed(1)} s; shares of the busy time:`,
    '    by module (a sample counts for the innermost engine module on its stack)',
    ...summary.byModule.map(({ name, share }) => `      ${percent(share)}  ${name}`),
    '    by function (self time)',
    ...summary.byFunction.map(({ name, share }) => `      ${percent(share)}  ${name}`),
    '',
  ].join('\n');
}

/**
 * `hms-sync diff --base REF [PATH...]`: for pull requests. Renders every connector's requests for
 * every test event and sample (and, with --events-from, for events a running engine accepted
 * lately) under the configuration at git REF and under the working tree, and prints a Markdown
 * report of what changed, secrets masked, ready to post as a PR comment.
 *
 * Steps: find the work tree and REF's commit → read the engine's events, if asked → write REF's
 * configuration files to a temporary directory → load both sides (no variable read from the
 * environment) → render the union of both sides' events against each → pair and compare →
 * Markdown on stdout.
 *
 * Exit codes: 0 when the report is printed, changes and connector problems included (problems are
 * listed in it; `validate` is the gate); 1 when git fails, the path is not in a work tree, or the
 * engine's events cannot be read; 2 for a bad command line or a REF that names no commit.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../../clock.js';
import type { Problem } from '../../config/compiled.js';
import { DEFAULT_CONNECTORS_DIR } from '../../config/load/connector-file-name.js';
import { formatProblem } from '../../config/problems/format-problem.js';
import { HmsError } from '../../errors.js';
import { compareSides } from './diff-compare.js';
import { mergeEvents } from './diff-events.js';
import { resolveCommit, workTreeRoot } from './diff-git.js';
import { loadSide, renderSide } from './diff-render.js';
import { renderDiffReport } from './diff-report.js';
import { baseSnapshot, compareCodeUnits, contentHash, resolveTargets, workingTreeSnapshot } from './diff-sources.js';
import {
  DEFAULT_ENGINE_EVENTS_LIMIT,
  DEFAULT_ENGINE_EVENTS_SINCE,
  ENGINE_EVENTS_OPTIONS,
  engineEventsRequest,
  MAX_ENGINE_EVENTS_LIMIT,
  readEngineEvents,
  type EngineEventsInput,
} from './engine-events-input.js';

export const DIFF_USAGE = `usage: hms-sync diff --base REF [--events-from URL [options]] [PATH...]

Renders every connector's requests for every test event and every event in samples/*.json, under
the configuration at git revision REF and under the working tree, and prints a Markdown report of
the connectors added, removed and changed, with a unified diff of each changed request (secrets
masked). Post it as a pull request comment as it is.

  --base REF              git revision to compare with (branch, tag or commit), e.g. origin/main
  PATH...                 connector directories or files (default: env HMS_SYNC_CONNECTORS, else ./connectors.d)

Events a running engine accepted lately, rendered beside the tests and samples and reported per
connector as counts by kind of change, with the first 3 examples of each:

  --events-from URL       the engine's address; its token from HMS_SYNC_READ_TOKEN (or HMS_SYNC_API_TOKEN)
  --since DURATION        accepted within this long before now (default ${DEFAULT_ENGINE_EVENTS_SINCE})
  --limit N               the newest N events at most, 1 to ${MAX_ENGINE_EVENTS_LIMIT} (default ${DEFAULT_ENGINE_EVENTS_LIMIT})
  --types GLOB            only events of these types, e.g. permit*
  --redact PATH           a JSONata path (e.g. applicant.email) whose values become [REDACTED] before
                          anything is rendered; repeat it for each path. Use it wherever the report
                          is posted for others to read: event bodies may be personal data.
  --only-engine-events    leave out the tests and samples

\${env:NAME} is never read from the environment: defaults apply, and other references are shown as
written. Exit codes: 0 report printed (also when it lists changes or problems), 1 git failed or the
engine's events could not be read, 2 bad command line or unknown REF.`;

export async function diffCommand(args: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      options: { base: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...ENGINE_EVENTS_OPTIONS },
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    throw new HmsError('USAGE', `${(error as Error).message}\n${DIFF_USAGE}`);
  }
  if (values.help === true) {
    process.stdout.write(`${DIFF_USAGE}\n`);
    return 0;
  }
  if (values.base === undefined) throw new HmsError('USAGE', `--base REF is required\n${DIFF_USAGE}`);
  const request = engineEventsRequest(values, env, systemClock.now(), DIFF_USAGE);
  const paths = positionals.length > 0 ? positionals : [env.HMS_SYNC_CONNECTORS ?? DEFAULT_CONNECTORS_DIR];
  process.stdout.write(await diffReport(values.base, paths, request && (() => readEngineEvents(request))));
  return 0;
}

/**
 * The report comparing `paths` at `ref` with the working tree; `engineEvents`, when given, is
 * called once `ref` is known to name a commit, and its events are rendered too.
 */
export async function diffReport(ref: string, paths: readonly string[], engineEvents?: () => Promise<EngineEventsInput>): Promise<string> {
  const root = await workTreeRoot(await nearestDirectory(resolve(paths[0] ?? '.')));
  const commit = await resolveCommit(root, ref);
  const targets = await resolveTargets(root, commit, paths);
  const engine = await engineEvents?.();
  const temp = await mkdtemp(join(tmpdir(), 'hms-sync-diff-'));
  try {
    const baseFiles = await baseSnapshot(root, commit, targets, temp);
    const headFiles = await workingTreeSnapshot(root, targets);
    const base = await loadSide(baseFiles, targets);
    const head = await loadSide(headFiles, targets);
    const events = [...(engine?.only === true ? [] : mergeEvents(base.events, head.events)), ...(engine?.events ?? [])];
    const connectors = compareSides(
      { connectors: base.connectors, requests: await renderSide(base.connectors, events) },
      { connectors: head.connectors, requests: await renderSide(head.connectors, events) },
    );
    return renderDiffReport({
      ref,
      commit,
      baseHash: await contentHash(baseFiles),
      headHash: await contentHash(headFiles),
      events,
      connectors,
      baseProblems: shownProblems(base.problems, temp, `${ref}:`),
      headProblems: shownProblems(head.problems, root, ''),
      ...(engine !== undefined && { engine: engine.note }),
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Problems with paths relative to the work tree (`REF:path` on the base side), so the report reads the same on every machine. */
function shownProblems(problems: readonly Problem[], root: string, prefix: string): string[] {
  const show = (text: string): string => text.split(`${root}${sep}`).join(prefix).split(root).join(prefix || '.');
  return [...problems]
    .sort((a, b) => compareCodeUnits(a.file, b.file) || a.line - b.line || a.column - b.column)
    .map((problem) => formatProblem({ ...problem, file: `${prefix}${relative(root, problem.file).split(sep).join('/')}`, message: show(problem.message) }));
}

/** `path` when it is a directory, else its closest existing ancestor: where git is asked about the work tree. */
async function nearestDirectory(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory() === true) return path;
  const parent = dirname(path);
  return parent === path ? path : nearestDirectory(parent);
}

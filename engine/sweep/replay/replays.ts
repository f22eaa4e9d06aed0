/**
 * Replays and backfills, for operators (POST /replays and friends) and for connector files
 * (`backfill:`): a dry run counts what a replay would create; a replay runs in the background
 * (replay-runner.ts), one at a time per connector, and resumes after a restart; on a shared store
 * one replica, its runner, advances it, and a live replica takes over the replays of a runner
 * that stopped (resume, called after each heartbeat); a declared
 * backfill starts once per connector name, the first time a connector of that name is loaded with
 * a `backfill:`, which the store records with the replay it starts.
 */
import { HmsError } from '../../errors.js';
import { oneReplicaAtATime } from '../../store/replicas.js';
import type { NewReplay, ReplayRecord, ReplaySpec, ReplayView } from '../../store/store.js';
import { dryRunReplay, type ReplayDryRun } from './replay-dry-run.js';
import { createReplayMatcher, type PlanRoutes } from './replay-matcher.js';
import { startReplayRunner, type ReplayEnd, type ReplayRunner, type ReplayRunnerOptions } from './replay-runner.js';
import { iso, resolveReplay, type ReplayRequest } from './replay-spec.js';

export type { ReplayDryRun } from './replay-dry-run.js';
export type { ReplayRequest, TimeSpec } from './replay-spec.js';

/** Replays GET /replays lists, newest first. */
export const LISTED_REPLAYS = 100;

/** What the runner takes, less what replays.ts makes itself for each replay. */
export interface ReplaysOptions extends Omit<ReplayRunnerOptions, 'matcher' | 'ended'> {
  /** How long events are kept (--retain-events): older ones are skipped. */
  readonly retainEventsMs: number;
  readonly planRoutes: PlanRoutes;
}

export interface Replays {
  dryRun(request: ReplayRequest): Promise<ReplayDryRun>;
  /** Starts a replay; `by` names who, for the record and the log. REPLAY_RUNNING when one of the
   * connector runs; NOT_FOUND for a connector that is not configured; REQUEST_INVALID for a bad
   * window or `where`. */
  start(request: ReplayRequest, by: string): Promise<ReplayView>;
  /** NOT_FOUND when there is no such replay. */
  get(id: string): Promise<ReplayView>;
  /** Newest first; only running ones with `running`. */
  list(running?: boolean): Promise<ReplayView[]>;
  /** Cancels what a running replay has not created yet. NOT_FOUND, or REPLAY_FINISHED. */
  cancel(id: string, by: string): Promise<ReplayView>;
  /** Runs the replays the store has as running and no live replica runs: at start (after a
   * restart or a crash), and on a shared store after each heartbeat, taking over the replays of
   * a replica that stopped (store.replicas.adoptReplays). Calls never overlap. */
  resume(): Promise<void>;
  /** Starts the declared backfill of each of these connectors that has one and never started it. */
  startDeclared(names: readonly string[]): Promise<void>;
  /** Stops every runner after its step under way; the replays stay running in the store. */
  close(): Promise<void>;
}

export function createReplays(options: ReplaysOptions): Replays {
  const { store, registry, clock, logger } = options;
  /** Runners by connector; a connector being started holds its place with undefined. */
  const runners = new Map<string, ReplayRunner | undefined>();
  let closed = false;
  let resuming: Promise<void> | undefined;

  /** Records and runs a replay, unless one of its connector runs (or, declared, it ran before). */
  async function begin(spec: ReplaySpec, by: string, declared: boolean): Promise<ReplayView | undefined> {
    if (closed) throw new HmsError('ENGINE_CLOSED', 'the engine is shutting down and starts no replay');
    const replay: NewReplay = { ...spec, id: options.newId(), createdAt: clock.now(), createdBy: by, declared };
    runners.set(spec.connector, undefined);
    try {
      if (!(await store.startReplay(replay))) return undefined;
      logger.info({ replay: replay.id, connector: spec.connector, mode: spec.mode, since: iso(spec.since), until: iso(spec.until), by, rate: `${spec.perSecond}/s` }, declared ? 'backfill started from the connector file' : 'replay started');
      const started = await store.getReplay(replay.id);
      run(started!);
      return started;
    } finally {
      if (runners.get(spec.connector) === undefined) runners.delete(spec.connector);
    }
  }

  function run(replay: ReplayRecord): void {
    const runner = startReplayRunner(replay, { ...options, matcher: createReplayMatcher(replay, options.planRoutes), ended });
    runners.set(replay.connector, runner);
  }

  function ended(replay: ReplayRecord, how: ReplayEnd): void {
    runners.delete(replay.connector);
    if (how === 'elsewhere') logger.info({ replay: replay.id, connector: replay.connector }, 'replay advanced by another replica: it goes on there');
    if (how === 'done') {
      void store
        .getReplay(replay.id)
        .then((done) => logger.info({ replay: replay.id, connector: replay.connector, matched: done?.matched, created: done?.created, skippedByRetention: done?.skippedByRetention }, 'replay done: every matching event has its deliveries'))
        .catch((error: unknown) => logger.error({ err: error, replay: replay.id }, 'could not read a finished replay'));
    }
    // A declared backfill that found this connector busy starts now.
    if (!closed) void startDeclared([replay.connector]);
  }

  /** On a shared store one replica at a time starts declared backfills; each starts once ever
   * anyway (Store.startReplay), the lock keeps two replicas from racing to do it. */
  async function startDeclared(names: readonly string[]): Promise<void> {
    await oneReplicaAtATime(store.replicas, 'backfill', () => startEach(names));
  }

  async function startEach(names: readonly string[]): Promise<void> {
    for (const name of names) {
      const connector = registry.get(name);
      if (connector?.backfill === undefined || runners.has(name)) continue;
      try {
        const now = clock.now();
        await begin(resolveReplay({ connector: name, mode: 'backfill', since: { ago: connector.backfill.sinceMs } }, registry, now, options.retainEventsMs), `connector file ${connector.file}`, true);
      } catch (error) {
        logger.error({ err: error, connector: name }, 'the declared backfill could not start; it is tried again at the next reload or restart');
      }
    }
  }

  async function found(id: string): Promise<ReplayView> {
    const replay = await store.getReplay(id);
    if (replay === undefined) throw new HmsError('NOT_FOUND', `no replay with id "${id}"; GET /replays lists them`);
    return replay;
  }

  return {
    dryRun: (request) => dryRunReplay(store, resolveReplay(request, registry, clock.now(), options.retainEventsMs), options.planRoutes),
    async start(request, by) {
      const spec = resolveReplay(request, registry, clock.now(), options.retainEventsMs);
      const running = runners.has(spec.connector) ? (await store.listReplays({ state: 'running', limit: LISTED_REPLAYS })).find((r) => r.connector === spec.connector) : undefined;
      if (runners.has(spec.connector)) {
        const which = running === undefined ? 'is starting' : `is running (${running.id})`;
        throw new HmsError('REPLAY_RUNNING', `a replay of connector "${spec.connector}" ${which}; wait for it to end, or cancel it with DELETE /replays/${running?.id ?? '<id>'}`);
      }
      return (await begin(spec, by, false))!;
    },
    get: found,
    list: (running = false) => store.listReplays({ limit: LISTED_REPLAYS, ...(running && { state: 'running' as const }) }),
    async cancel(id, by) {
      const before = await found(id);
      if (before.state !== 'running') throw new HmsError('REPLAY_FINISHED', `replay "${id}" is ${before.state} already; there is nothing left to cancel`);
      const cancelled = (await store.cancelReplay(id, clock.now()))!;
      const runner = runners.get(before.connector);
      runners.delete(before.connector);
      await runner?.stop();
      logger.info({ replay: id, connector: before.connector, by, created: cancelled.created }, 'replay cancelled: it creates nothing more; what it created goes on');
      return cancelled;
    },
    resume() {
      resuming ??= resumeStopped({ ...options, runners, closed: () => closed, run }).finally(() => (resuming = undefined));
      return resuming;
    },
    startDeclared,
    async close() {
      closed = true;
      const stopping = [...runners.values()].map((runner) => runner?.stop());
      runners.clear();
      await Promise.all(stopping);
    },
  };
}

interface ResumeContext extends Pick<ReplaysOptions, 'store' | 'clock' | 'logger'> {
  /** The replays this replica runs, by connector. */
  readonly runners: ReadonlyMap<string, unknown>;
  readonly closed: () => boolean;
  readonly run: (replay: ReplayRecord) => void;
}

/**
 * Alone, runs every running replay; on a shared store only those this replica adopts (their
 * runner stopped, or left), never one of a connector it runs a replay of already. Adopted first,
 * then read: the position read is the one to go on from, as no other replica steps it now.
 */
async function resumeStopped({ store, clock, logger, runners, closed, run }: ResumeContext): Promise<void> {
  if (closed()) return;
  const replicas = store.replicas;
  if (replicas === undefined) {
    for (const replay of await store.listReplays({ state: 'running', limit: Number.MAX_SAFE_INTEGER })) {
      if (closed() || runners.has(replay.connector)) continue;
      logger.info({ replay: replay.id, connector: replay.connector, created: replay.created }, 'replay resumed after a restart');
      run(replay);
    }
    return;
  }
  for (const { id, previous } of await replicas.adoptReplays(clock.now(), [...runners.keys()])) {
    const replay = await store.getReplay(id);
    if (closed() || replay?.state !== 'running' || runners.has(replay.connector)) continue;
    logger.info({ replay: id, connector: replay.connector, created: replay.created, from: previous }, 'replay taken over: no live replica was running it');
    run(replay);
  }
}

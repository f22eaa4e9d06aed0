/**
 * The deliveries of batched routes on their way into a batch (batcher.ts groups them). Each item
 * is rendered once, when it is added, to know its size in the body; that rendering is kept and
 * sent, unless a reload replaced the route before the batch went (then `renderedItem` says so and
 * the item is rendered again, with the route in force).
 */
import type { CompiledBatch, CompiledRoute } from '../config/compiled.js';
import { Batcher } from './batcher.js';
import { batchFrameBytes, batchItemBytes } from './encode-body.js';
import type { DispatchJob } from './dispatch-job.js';
import { renderItem } from './render-request.js';
import type { Timers } from './timers.js';

/** A route that batches. */
export type BatchedRoute = CompiledRoute & { readonly batch: CompiledBatch };

export function isBatched(route: CompiledRoute): route is BatchedRoute {
  return route.batch !== undefined;
}

export class BatchItems {
  private readonly batcher: Batcher<DispatchJob>;
  private readonly rendered = new WeakMap<object, { readonly route: CompiledRoute; readonly item: unknown }>();
  private closed = false;

  /** `full` receives each batch as it is handed over, its jobs in arrival order. */
  constructor(timers: Timers, full: (jobs: readonly [DispatchJob, ...DispatchJob[]]) => void) {
    this.batcher = new Batcher<DispatchJob>(timers, (_groupKey, [first, ...rest]) => full([first.value, ...rest.map((entry) => entry.value)]));
  }

  /** Renders the job's item with `route` and adds it to the route's open batch. Rejects with the
   * rendering error (the job then joins no batch). */
  async add(job: DispatchJob, route: BatchedRoute): Promise<void> {
    const item = await renderItem(route, job.event);
    if (this.closed) return;
    this.rendered.set(job, { route, item });
    this.batcher.add(groupKeyOf(job.connector, job.route, job.replayId), route.batch, { value: job, bytes: batchItemBytes(route, item) }, batchFrameBytes(route));
  }

  /** The item rendered for `job` at admission, when it was rendered with exactly `route`. */
  renderedItem(job: object, route: CompiledRoute): { readonly item: unknown } | undefined {
    const rendered = this.rendered.get(job);
    return rendered?.route === route ? rendered : undefined;
  }

  /** Removes and returns the items waiting in the connector's open batches, unsent. */
  take(connector: string): DispatchJob[] {
    return this.batcher.take((groupKey) => groupKey.startsWith(connectorPrefix(connector)));
  }

  /** Items waiting in the connector's open batches. */
  count(connector: string): number {
    return this.batcher.count((groupKey) => groupKey.startsWith(connectorPrefix(connector)));
  }

  /** Cancels every batch timer; the items stay unsent (they are in the store and resume at the next start). */
  close(): void {
    this.closed = true;
    this.batcher.close();
  }
}

/** A batch holds the items of one route, and of one replay or none: its request carries that
 * replay's Hms-Sync-Replay header, and live items never wait behind a replay's. */
function groupKeyOf(connector: string, route: string, replayId: string | null): string {
  return `${connectorPrefix(connector)}${route}\0${replayId ?? ''}`;
}

function connectorPrefix(connector: string): string {
  return `${connector}\0`;
}

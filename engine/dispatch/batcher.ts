/**
 * Gathers the deliveries of a batched route (`batch: { maxEvents, maxBytes, maxWait }`) into
 * groups, one open group per connector route, and hands a group over (`onFlush`) when it reaches
 * maxEvents items, when the next item would take its body past maxBytes (or it is there already),
 * or maxWait after its first item arrived, whichever comes first. An item bigger than maxBytes on
 * its own travels alone.
 */
import type { CompiledBatch } from '../config/compiled.js';
import type { Timers } from './timers.js';

export interface BatchEntry<T> {
  readonly value: T;
  /** The item's size in the body, in bytes, without its separator (see encode-body.ts). */
  readonly bytes: number;
}

interface Group<T> {
  readonly entries: BatchEntry<T>[];
  bytes: number;
  timer: unknown;
}

/** Each item's separator in the body: a comma or a newline. */
const SEPARATOR_BYTES = 1;

export class Batcher<T> {
  private readonly groups = new Map<string, Group<T>>();

  constructor(
    private readonly timers: Timers,
    private readonly onFlush: (groupKey: string, entries: readonly [BatchEntry<T>, ...BatchEntry<T>[]]) => void,
  ) {}

  /** `frameBytes`: the body's bytes besides its items and their separators (encode-body.ts's batchFrameBytes). */
  add(groupKey: string, settings: Pick<CompiledBatch, 'maxEvents' | 'maxBytes' | 'maxWaitMs'>, entry: BatchEntry<T>, frameBytes: number): void {
    let group = this.groups.get(groupKey);
    if (group !== undefined && group.bytes + entry.bytes + SEPARATOR_BYTES > settings.maxBytes) {
      this.flush(groupKey);
      group = undefined;
    }
    if (group === undefined) {
      group = { entries: [], bytes: frameBytes, timer: undefined };
      this.groups.set(groupKey, group);
      group.timer = this.timers.setTimeout(() => this.flush(groupKey), settings.maxWaitMs);
    }
    group.entries.push(entry);
    group.bytes += entry.bytes + SEPARATOR_BYTES;
    if (group.entries.length >= settings.maxEvents || group.bytes >= settings.maxBytes) this.flush(groupKey);
  }

  /** Hands the open group of `groupKey` over now, if it has items. */
  flush(groupKey: string): void {
    const group = this.groups.get(groupKey);
    if (group === undefined) return;
    this.groups.delete(groupKey);
    this.timers.clearTimeout(group.timer);
    const [first, ...rest] = group.entries;
    if (first !== undefined) this.onFlush(groupKey, [first, ...rest]);
  }

  /** Removes and returns the waiting items of the groups `select` picks, without flushing them. */
  take(select: (groupKey: string) => boolean): T[] {
    const taken: T[] = [];
    for (const [groupKey, group] of this.groups) {
      if (!select(groupKey)) continue;
      this.groups.delete(groupKey);
      this.timers.clearTimeout(group.timer);
      taken.push(...group.entries.map((entry) => entry.value));
    }
    return taken;
  }

  /** Items waiting in open groups whose key `select` picks. */
  count(select: (groupKey: string) => boolean): number {
    let n = 0;
    for (const [groupKey, group] of this.groups) if (select(groupKey)) n += group.entries.length;
    return n;
  }

  /** Cancels every timer; the items stay unsent (they are in the store and resume at the next start). */
  close(): void {
    for (const group of this.groups.values()) this.timers.clearTimeout(group.timer);
    this.groups.clear();
  }
}

/**
 * Config skew: live replicas running different connector revisions (a rollout in progress, or a
 * mount that did not update). The newest revision is the one a replica adopted last (a start or
 * a reload); replicas on any other are behind. Pure.
 */
import type { ReplicaView } from '../store/replicas.js';

export interface ConfigSkew {
  /** The revision adopted last. */
  readonly newest: string;
  /** The replicas on another revision. */
  readonly behind: readonly { readonly id: string; readonly hostname: string; readonly revision: string }[];
}

/** Null while every live replica runs one revision (or the list is empty). */
export function configSkewOf(live: readonly ReplicaView[]): ConfigSkew | null {
  const known = live.filter((replica) => replica.revision !== '');
  if (new Set(known.map((replica) => replica.revision)).size <= 1) return null;
  const newest = known.reduce((a, b) => (b.revisionSince > a.revisionSince ? b : a)).revision;
  const behind = known.filter((replica) => replica.revision !== newest).map(({ id, hostname, revision }) => ({ id, hostname, revision }));
  return { newest, behind };
}

/** Live replicas per revision, for the hms_sync_config_revisions gauge. */
export function replicasPerRevision(live: readonly ReplicaView[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const replica of live) if (replica.revision !== '') counts[replica.revision] = (counts[replica.revision] ?? 0) + 1;
  return counts;
}

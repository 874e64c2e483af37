/**
 * Step 1, decide: is this instance fresh, and if not, why? Reads what is on disk now (through the
 * hasher's stat cache) and compares it with the instance's lock entry. Changes nothing.
 */
import type { PathHash } from '../../plan/fingerprint.ts';
import type { Hasher } from '../../plan/fingerprint.ts';
import type { Lock } from '../../state/lock.ts';
import type { PlannedInstance } from '../../plan/plan.ts';
import { observe, staleReasons, type Observed, type SnapshotPaths, type StaleReason } from '../../plan/staleness.ts';

export type Decision = { kind: 'fresh'; observed: Observed } | { kind: 'stale'; reasons: StaleReason[]; observed: Observed };

/**
 * `pipeline run` decides each instance as it becomes ready; `pipeline status` decides all of them
 * at once with one `snapshot`, so that a path many instances read is hashed once.
 */
export async function decide(inst: PlannedInstance, hasher: Hasher, lock: Lock, force: boolean, snapshot?: SnapshotPaths): Promise<Decision> {
  const observed = await observe(inst, hasher, snapshot);
  const reasons = staleReasons(inst, observed, lock.get(inst.id));
  if (force) reasons.unshift({ kind: 'forced' });
  return reasons.length === 0 ? { kind: 'fresh', observed } : { kind: 'stale', reasons, observed };
}

/**
 * The hashes of the deps the instance reads, for its lock entry. Every dep must exist by now: the
 * plan orders producers first, so a missing one is a source the user deleted.
 */
export function depHashes(inst: PlannedInstance, observed: Observed): Record<string, PathHash> {
  const deps: Record<string, PathHash> = {};
  for (const d of inst.deps) {
    const h = observed.deps[d];
    if (!h) throw new Error(`dependency ${d} is missing`);
    deps[d] = h;
  }
  return deps;
}

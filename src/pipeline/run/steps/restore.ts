/**
 * Step 2, restore: a stale instance whose fingerprint was seen before gets its outputs from the
 * run-cache instead of running: the local one first, then the remote one (whose run is fetched,
 * every object re-hashed, into the local one; DVC's `restore(pull=True)`). Every byte is verified
 * against its address while it is copied into staging; a missing or corrupt entry is reported and
 * the instance runs instead.
 */
import type { RunCache, RunRecord } from '../../state/cache.ts';
import { formatProblems } from '../../errors.ts';
import type { Reporter } from '../../events.ts';
import type { RemoteRunLookup } from '../../remote/run-cache.ts';
import type { Staging } from './staging.ts';

export interface RestoreServices {
  cache: RunCache;
  reporter: Reporter;
  /** The remote run-cache, when one is configured and not opted out of (--no-remote). */
  remote?: RemoteRunLookup;
  /** Called once a run is found, before its outputs are copied (the instance starts here). */
  onFound?: () => void;
  /** Called once the local run-cache has answered, found or not, before the remote is asked. */
  onLocalAnswer?: () => void;
}

/**
 * The restored run's record when staging now holds the outputs recorded for `fingerprint`
 * (its measurements describe the run that made them); undefined when the instance must run.
 */
export async function restoreFromRunCache(
  inst: { id: string; outs: string[] },
  fingerprint: string,
  staging: Staging,
  { cache, reporter, remote, onFound, onLocalAnswer }: RestoreServices,
): Promise<RunRecord | undefined> {
  const { id } = inst;
  let found = await cache.inspect(fingerprint);
  onLocalAnswer?.();
  if (found.ok && !found.value && remote) {
    await remote(fingerprint, id, inst.outs, reporter);
    found = await cache.inspect(fingerprint);
  }
  if (!found.ok) {
    reporter.event({ type: 'log', id, line: `run-cache not used: ${formatProblems(found.problems)}` });
    return undefined;
  }
  const record = found.value;
  if (!record) return undefined;
  onFound?.();
  reporter.event({ type: 'restoring', id });
  const applied = await cache.apply(record, staging.targets());
  if (!applied.ok) {
    reporter.event({ type: 'log', id, line: `run-cache not used: ${formatProblems(applied.problems)}` });
    await staging.reset();
    return undefined;
  }
  // Dated as used, so that gc keeps what is still being restored.
  await cache.markUsed(fingerprint);
  return record;
}

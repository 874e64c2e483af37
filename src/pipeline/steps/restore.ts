/**
 * Step 2, restore: a stale instance whose fingerprint was seen before gets its outputs from the
 * run-cache instead of running. Every byte is verified against its address while it is copied into
 * staging; a missing or corrupt entry is reported and the instance runs instead.
 */
import type { RunCache, RunRecord } from '../cache.ts';
import { formatProblems } from '../errors.ts';
import type { Reporter } from '../events.ts';
import type { Staging } from './staging.ts';

/**
 * The restored run's record when staging now holds the outputs recorded for `fingerprint`
 * (its measurements describe the run that made them); undefined when the instance must run.
 */
export async function restoreFromRunCache(
  id: string,
  fingerprint: string,
  cache: RunCache,
  staging: Staging,
  reporter: Reporter,
): Promise<RunRecord | undefined> {
  const found = await cache.inspect(fingerprint);
  if (!found.ok) {
    reporter.event({ type: 'log', id, line: `run-cache not used: ${formatProblems(found.problems)}` });
    return undefined;
  }
  const record = found.value;
  if (!record) return undefined;
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

/**
 * Step 4, commit: staged outputs become the workspace's recorded outputs. The order is the
 * crash-safety guarantee, and this is its one home:
 *   1. drop the instance's lock entry  - from here a crash leaves it stale, never wrongly fresh;
 *   2. promote the staged outputs      - each out replaces the old one by rename;
 *   3. hash what is now in place       - the lock records what is on disk, not what was intended;
 *   4. store it in the run-cache       - best effort: a full disk loses reuse, not the result;
 *   5. record the new lock entry       - the last step: only now is the instance fresh.
 * The scratch space (checkpoints) goes after the record, so a crash before it resumes, not restarts.
 */
import { rm } from 'node:fs/promises';
import type { OutRecord, RunCache } from '../../state/cache.ts';
import type { Reporter } from '../../events.ts';
import type { Hasher, PathHash } from '../../plan/fingerprint.ts';
import type { Lock, LockEntry } from '../../state/lock.ts';
import type { PlannedInstance } from '../../plan/plan.ts';
import { moveIntoPlace } from '../promote.ts';
import { workspacePlaceProblem } from '../../fs/safe-path.ts';
import { UserError } from '../../errors.ts';
import type { Observed } from '../../plan/staleness.ts';
import type { Measurements } from '../../stage.ts';
import type { Staging } from './staging.ts';

export interface CommitPlace {
  root: string;
  trash: string;
  scratch: string;
}

export interface Produced {
  outcome: 'ran' | 'restored';
  peakRssMb: number;
  /** The measurements of the run that made the outputs: this one's, or a restored run's. */
  measurements?: Measurements;
  /** When the step that produced the outputs started (performance.now()). */
  startedAt: number;
}

export interface CommitServices {
  lock: Lock;
  hasher: Hasher;
  cache: RunCache;
  reporter: Reporter;
}

export async function commitOutputs(
  inst: PlannedInstance,
  observed: Observed,
  deps: Record<string, PathHash>,
  staging: Staging,
  produced: Produced,
  place: CommitPlace,
  { lock, hasher, cache, reporter }: CommitServices,
): Promise<LockEntry> {
  // Checked where bytes land, whoever made them (this run, the run-cache, a remote, a worker): a
  // folder on an out's way that was swapped for a link leading out of the project would make the
  // rename below write outside it. Refused before the lock entry is touched.
  const unsafe = (await Promise.all(staging.outs.map((o) => workspacePlaceProblem(place.root, o.declared)))).filter((p) => p !== undefined);
  if (unsafe.length > 0) throw new UserError(unsafe);
  await lock.delete(inst.id);
  await moveIntoPlace(place.root, place.trash, staging.outs);
  const measurements = produced.measurements && Object.keys(produced.measurements).length > 0 ? significant(produced.measurements) : undefined;
  const outHashes: Record<string, PathHash> = {};
  const records: Record<string, OutRecord> = {};
  for (const o of inst.outs) {
    const d = await hasher.describe(o);
    if (!d) throw new Error(`output ${o} vanished while being recorded`);
    outHashes[o] = { hash: d.hash, size: d.size, files: d.files };
    records[o] = d.listing ? { type: 'dir', files: d.listing } : { type: 'file', hash: d.hash, size: d.size };
  }
  try {
    await cache.set(observed.fingerprint, place.root, records, measurements);
  } catch (e) {
    reporter.event({
      type: 'log',
      id: inst.id,
      line: `run-cache: outputs not stored (${(e as Error).message}); the run is recorded, but returning to it later re-runs the stage`,
    });
  }
  const entry: LockEntry = {
    fingerprint: observed.fingerprint,
    module: inst.module,
    code: observed.code,
    item: inst.item,
    deps,
    outs: outHashes,
    run: {
      outcome: produced.outcome,
      seconds: round((performance.now() - produced.startedAt) / 1000),
      peak_rss_mb: round(produced.peakRssMb),
      finished_at: new Date().toISOString(),
      ...(measurements ? { measurements } : {}),
    },
  };
  await lock.set(inst.id, entry);
  await rm(place.scratch, { recursive: true, force: true });
  return entry;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Six significant digits: a measurement's noise starts well before the seventeenth. */
function significant(values: Measurements): Measurements {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Number(v.toPrecision(6))]));
}

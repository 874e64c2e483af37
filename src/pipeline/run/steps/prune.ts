/**
 * After a run: the outputs of instances that left the pipeline (an experiment removed from a
 * grid). Left in the workspace they would keep being read by directory deps (a stage reading
 * artifacts/models/ would see a model nobody makes), so reverting the edit could not restore what
 * depends on them. They go into the run-cache, stay restorable by their fingerprint, and leave the
 * workspace; then the lock forgets them. In that order: a crash part way leaves a lock entry whose
 * outputs are gone, which the next run prunes again, never outputs that nothing records.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { OutRecord, RunCache } from '../../state/cache.ts';
import type { Hasher } from '../../plan/fingerprint.ts';
import type { Lock } from '../../state/lock.ts';
import type { Plan } from '../../plan/plan.ts';
import { isInside } from '../../fs/safe-path.ts';

export interface Departed {
  id: string;
  /** Outputs taken out of the workspace (they are in the run-cache). */
  removed: string[];
  /** Outputs left in place: changed since they were recorded, so not the recorded result. */
  kept: string[];
}

/** Instances the lock records that the plan no longer has, with the outputs only they declare. */
export function departedInstances(plan: Plan, lock: Lock): Array<{ id: string; outs: string[] }> {
  const planned = new Set(plan.instances.map((i) => i.id));
  const declared = plan.instances.flatMap((i) => i.outs);
  return lock
    .ids()
    .filter((id) => !planned.has(id))
    .sort()
    .map((id) => ({
      id,
      // An out a planned instance declares too (or lies inside, or around) is that instance's now.
      outs: Object.keys(lock.get(id)!.outs).filter((out) => !declared.some((d) => isInside(d, out) || isInside(out, d))),
    }));
}

export async function pruneDeparted(plan: Plan, lock: Lock, hasher: Hasher, cache: RunCache): Promise<Departed[]> {
  const result: Departed[] = [];
  for (const { id, outs } of departedInstances(plan, lock)) {
    const entry = lock.get(id)!;
    const done: Departed = { id, removed: [], kept: [] };
    const records: Record<string, OutRecord> = {};
    const present: string[] = [];
    for (const out of outs) {
      const d = await hasher.describe(out);
      if (!d) continue;
      if (d.hash !== entry.outs[out]?.hash) {
        done.kept.push(out);
        continue;
      }
      records[out] = d.listing ? { type: 'dir', files: d.listing } : { type: 'file', hash: d.hash, size: d.size };
      present.push(out);
    }
    // Stored again only when the run-cache lost them (gc, another disk): storing is idempotent.
    const found = present.length > 0 ? await cache.inspect(entry.fingerprint) : undefined;
    const stored = found?.ok === true && found.value !== undefined && (await cache.verify(found.value, present)).ok;
    if (present.length > 0 && !stored) {
      if (present.length === Object.keys(entry.outs).length) await cache.set(entry.fingerprint, plan.root, records, entry.run.measurements);
      else done.kept.push(...present.splice(0)); // a partial record could not restore the instance
    }
    for (const out of present) {
      await rm(path.join(plan.root, out), { recursive: true, force: true });
      done.removed.push(out);
    }
    result.push(done);
  }
  await lock.retainOnly(new Set(plan.instances.map((i) => i.id)));
  return result;
}

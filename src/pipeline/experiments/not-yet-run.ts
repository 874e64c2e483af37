/**
 * For `params diff` with the workspace as B: the configs as they are now against what the
 * workspace's lock recorded. An edited config or an added experiment file changes no lock until it
 * runs, so a diff of locks alone would say "no params changed" right after the edit.
 */
import { isUserError, type WithProblems } from '../errors.ts';
import { canonicalJson, Hasher } from '../plan/fingerprint.ts';
import type { LockEntry } from '../state/lock.ts';
import { loadPlan } from '../spec/plan-cache.ts';
import type { ConfigOptions } from '../spec/configs.ts';
import { stateDirs } from '../state/dirs.ts';
import { diffFlat, diffTable, type DiffEntry } from './diff.ts';
import { flatten } from './flatten.ts';
import type { Table } from './table.ts';

export interface PendingEntry extends DiffEntry {
  /** "added": no record of the instance at all; "changed": its configs differ from its record. */
  not_run: 'added' | 'changed';
}

/** The entries not yet run; none, with the problems that stopped it, when the configs do not plan. */
export async function notYetRun(root: string, opts: ConfigOptions, lock: Map<string, LockEntry>): Promise<WithProblems<PendingEntry[]>> {
  let plan;
  try {
    plan = await loadPlan(root, opts, await Hasher.open(root, stateDirs(root).hashes));
  } catch (e) {
    // The locks still compare; what the configs would change waits until they plan.
    if (!isUserError(e)) throw e;
    return { value: [], problems: e.problems };
  }
  const entries: PendingEntry[] = [];
  // Canonical first: the lock holds params with sorted keys, the plan in the order the configs wrote them.
  const flat = (params: unknown) => flatten(JSON.parse(canonicalJson(params)), { arrays: 'json', leaves: 'all' });
  for (const inst of plan.instances) {
    const recorded = lock.get(inst.id);
    if (!recorded) {
      entries.push({ row: inst.id, key: '(added)', old: undefined, new: undefined, change: undefined, not_run: 'added' });
      continue;
    }
    const changed = diffFlat(new Map([[inst.id, flat(recorded.item)]]), new Map([[inst.id, flat(inst.item)]]), false);
    entries.push(...changed.map((c) => ({ ...c, not_run: 'changed' as const })));
  }
  return { value: entries, problems: [] };
}

export function notYetRunTable(entries: PendingEntry[], signed: boolean): Table {
  return diffTable(entries, { row: 'stage', old: 'recorded', new: 'configs' }, signed);
}

/**
 * `pipeline status --remote`: for each instance pipeline.lock records, where its locked outputs
 * are: in the workspace, in the local cache, on the remote, or nowhere (then only a run makes them).
 */
import { RunCache } from '../state/cache.ts';
import { formatProblem } from '../errors.ts';
import type { Hasher } from '../plan/fingerprint.ts';
import type { Lock } from '../state/lock.ts';
import type { Plan } from '../plan/plan.ts';
import { objectKey, outFiles } from './layout.ts';
import { collectUsed } from './collect.ts';
import { presentKeys } from './presence.ts';
import { outOfPlace } from './resolve.ts';
import { parallel, type RemoteStore } from './store.ts';

export type Place = 'workspace' | 'local cache' | 'remote';

export interface RemoteStatusRow {
  id: string;
  /** Empty: recorded, but its outputs are nowhere; undefined: never run (no lock entry). */
  places: Place[] | undefined;
  /** As printed (and as `status --remote --json` gives them). */
  problems: string[];
}

export async function remoteStatus(
  plan: Plan,
  lock: Lock,
  hasher: Hasher,
  store: RemoteStore,
  selected: Set<string> | undefined,
  jobs: number,
): Promise<RemoteStatusRow[]> {
  const rows = new Map<string, RemoteStatusRow>();
  const todo = plan.instances.filter((i) => !selected || selected.has(i.id));
  for (const inst of todo) rows.set(inst.id, { id: inst.id, places: lock.get(inst.id) ? [] : undefined, problems: [] });
  await parallel(todo, jobs, async (inst) => {
    const entry = lock.get(inst.id);
    if (entry && (await outOfPlace(hasher, entry)).length === 0) rows.get(inst.id)!.places!.push('workspace');
  });
  const used = await collectUsed(plan, lock, selected, new RunCache(plan.cacheDir), { remote: store }, jobs);
  for (const [id, problems] of used.leftOut) rows.get(id)!.problems.push(...problems.map(formatProblem));
  const present = await presentKeys(store, [...used.objects.keys()].map(objectKey), jobs);
  for (const inst of used.instances) {
    const hashes = Object.values(inst.record.outs).flatMap((o) => outFiles(o).map((f) => f.hash));
    const places = rows.get(inst.id)!.places!;
    if (inst.local && hashes.every((h) => used.objects.get(h)!.cached)) places.push('local cache');
    if (hashes.every((h) => present.get(objectKey(h)) === used.objects.get(h)!.size)) places.push('remote');
  }
  await hasher.save();
  return [...rows.values()];
}

export function renderRemoteStatus(rows: RemoteStatusRow[], label: string): string {
  const width = Math.min(48, Math.max(8, ...rows.map((r) => r.id.length)));
  const lines = rows.map(
    (r) => `${r.id.padEnd(width)}  ${r.places === undefined ? 'never run' : r.places.length ? r.places.join(', ') : 'nowhere (only a run makes it)'}`,
  );
  for (const r of rows) lines.push(...r.problems.map((p) => `warning: ${p}`));
  const onRemote = rows.filter((r) => r.places?.includes('remote')).length;
  const recorded = rows.filter((r) => r.places !== undefined).length;
  lines.push(`${onRemote} of ${recorded} recorded instances complete on ${label}`);
  return `${lines.join('\n')}\n`;
}

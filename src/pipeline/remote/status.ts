/**
 * `pipeline status --remote`: for each instance pipeline.lock records, where its locked outputs
 * are: in the workspace, in the local cache, on the remote, or nowhere (then only a run makes them).
 */
import { RunCache, type RunRecord } from '../cache.ts';
import type { Hasher } from '../fingerprint.ts';
import type { Lock } from '../lock.ts';
import type { Plan } from '../plan.ts';
import { objectKey, outFiles } from './layout.ts';
import { presentKeys } from './presence.ts';
import { localRecord, missingLocally, outOfPlace, remoteRecord } from './resolve.ts';
import type { RemoteStore } from './store.ts';
import { parallel } from './transfer.ts';

export type Place = 'workspace' | 'local cache' | 'remote';

export interface RemoteStatusRow {
  id: string;
  /** Empty: recorded, but its outputs are nowhere; undefined: never run (no lock entry). */
  places: Place[] | undefined;
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
  const cache = new RunCache(plan.cacheDir);
  const rows = new Map<string, RemoteStatusRow & { record?: RunRecord }>();
  const todo = plan.instances.filter((i) => !selected || selected.has(i.id));
  for (const inst of todo) rows.set(inst.id, { id: inst.id, places: lock.get(inst.id) ? [] : undefined, problems: [] });
  await parallel(todo, jobs, async (inst) => {
    const entry = lock.get(inst.id);
    const row = rows.get(inst.id)!;
    if (!entry) return;
    if ((await outOfPlace(hasher, entry)).length === 0) row.places!.push('workspace');
    const local = await localRecord(cache, entry);
    if (local && (await missingLocally(cache, local)).length === 0) row.places!.push('local cache');
    row.record = local ?? (await remoteRecord(store, entry, row.problems, inst.id));
  });
  const keysOf = (r: RunRecord): string[] => Object.values(r.outs).flatMap((o) => outFiles(o).map((f) => objectKey(f.hash)));
  const keys = new Set<string>();
  for (const row of rows.values()) if (row.record) for (const k of keysOf(row.record)) keys.add(k);
  const present = await presentKeys(store, keys, jobs);
  for (const row of rows.values()) {
    if (!row.record || !row.places) continue;
    const sizes = new Map(Object.values(row.record.outs).flatMap((o) => outFiles(o).map((f) => [objectKey(f.hash), f.size] as const)));
    if ([...sizes].every(([k, size]) => present.get(k) === size)) row.places.push('remote');
  }
  await hasher.save();
  return [...rows.values()].map(({ id, places, problems }) => ({ id, places, problems }));
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

/**
 * `pipeline fetch` brings what pipeline.lock records for the selected instances from a remote
 * into the local cache; `pipeline pull` then places it in the workspace. Every object is
 * re-hashed as it arrives and enters the cache only when it matches its key; a missing, truncated
 * or altered one is named with the outputs that need it, and those outputs are not placed. A
 * local run record is written only once all its objects are in, so `pipeline run` can restore
 * from it like from any run of its own.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { RunCache } from '../state/cache.ts';
import { formatBytes, formatSeconds } from '../events.ts';
import { formatProblems, type Problem, type WithProblems } from '../errors.ts';
import type { Hasher } from '../plan/fingerprint.ts';
import type { Lock } from '../state/lock.ts';
import type { Plan } from '../plan/plan.ts';
import { moveIntoPlace } from '../run/promote.ts';
import { workspacePlaceProblem } from '../fs/safe-path.ts';
import { stateDirs } from '../state/dirs.ts';
import { collectUsed, leftOutProblems, type UsedInstance } from './collect.ts';
import { outOfPlace } from './resolve.ts';
import type { RemoteStore } from './store.ts';
import { toLocal, transfer, type TransferOptions } from './transfer.ts';

/** The instances whose locked outputs are all in the local cache now, and why the others are not. */
export type Fetched = WithProblems<UsedInstance[]>;

export async function fetchInto(plan: Plan, lock: Lock, store: RemoteStore, selected: Set<string> | undefined, opts: TransferOptions): Promise<Fetched> {
  const recorded = plan.instances.filter((i) => (!selected || selected.has(i.id)) && lock.get(i.id));
  // The lock comes from git, which anyone with push access writes: only declared outs are placed.
  const problems: Problem[] = [];
  const declared = new Set<string>();
  for (const inst of recorded) {
    const undeclared = Object.keys(lock.get(inst.id)!.outs).filter((o) => !inst.outs.includes(o));
    if (undeclared.length === 0) declared.add(inst.id);
    else
      problems.push({
        message: `${inst.id}: pipeline.lock records outs the stage does not declare (${undeclared.map((o) => JSON.stringify(o)).join(', ')}); not placed`,
      });
  }
  const cache = new RunCache(plan.cacheDir);
  const used = await collectUsed(plan, lock, declared, cache, { remote: store }, opts.jobs);
  const received = await transfer(used, toLocal(store, cache), opts);
  const t = received.value;
  opts.print(
    `fetch from ${store.label}: ${t.moved} objects received (${formatBytes(t.bytes)}) in ${formatSeconds(t.seconds)}` +
      `${t.seconds > 0 && t.bytes > 0 ? `, ${formatBytes(Math.round(t.bytes / t.seconds))}/s` : ''}; ${t.complete.length} of ${recorded.length} recorded instances complete in the local cache`,
  );
  return { value: t.complete, problems: [...problems, ...leftOutProblems(used), ...received.problems] };
}

/**
 * Places the outputs of `ready` instances whose workspace copy is missing or differs from the
 * lock (the lock is not touched): how many were placed, and why others were not.
 */
export async function placeFetched(plan: Plan, hasher: Hasher, ready: UsedInstance[], print: (line: string) => void): Promise<WithProblems<number>> {
  const cache = new RunCache(plan.cacheDir);
  const dirs = stateDirs(plan.root);
  const problems: Problem[] = [];
  let placed = 0;
  let inPlace = 0;
  for (const { id, entry, record } of ready) {
    const outs = await outOfPlace(hasher, entry);
    inPlace += Object.keys(entry.outs).length - outs.length;
    if (outs.length === 0) continue;
    // A symlinked parent leading out of the project would carry the rename outside: not placed.
    const unsafe = (await Promise.all(outs.map((o) => workspacePlaceProblem(plan.root, o)))).filter((p) => p !== undefined);
    if (unsafe.length > 0) {
      problems.push({ message: `${id}: ${unsafe.map((p) => p.message).join('; ')}` });
      continue;
    }
    await mkdir(dirs.tmp, { recursive: true });
    const tmp = await mkdtemp(path.join(dirs.tmp, `pull-${id.replace(/[^\w.@+-]/g, '_')}-`));
    try {
      const targets = outs.map((declared) => ({ declared, temp: path.join(tmp, declared) }));
      // apply re-hashes every byte it copies out of the cache: nothing unverified reaches the workspace.
      const res = await cache.apply(record, new Map(targets.map((t) => [t.declared, t.temp])));
      if (!res.ok) {
        problems.push({ message: `${id}: ${formatProblems(res.problems)}; not placed (run \`pipeline pull\` again to fetch it afresh)` });
        continue;
      }
      await moveIntoPlace(plan.root, dirs.trash, targets);
      placed += outs.length;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  await hasher.save();
  print(`pull: ${placed} outputs placed, ${inPlace} already in place`);
  return { value: placed, problems };
}

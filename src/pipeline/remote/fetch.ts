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
import { RunCache, type RunRecord } from '../cache.ts';
import { formatBytes, formatSeconds } from '../events.ts';
import { formatProblems } from '../errors.ts';
import type { Hasher } from '../fingerprint.ts';
import type { Lock, LockEntry } from '../lock.ts';
import type { Plan } from '../plan.ts';
import { moveIntoPlace } from '../promote.ts';
import { workspacePlaceProblem } from '../safe-path.ts';
import { stateDirs } from '../state-dirs.ts';
import { objectKey, outFiles } from './layout.ts';
import type { TransferOptions } from './push.ts';
import { TransferProgress } from './progress.ts';
import { describeFile, localRecord, missingLocally, outOfPlace, remoteRecord } from './resolve.ts';
import type { RemoteStore } from './store.ts';
import { downloadVerified, parallel } from './transfer.ts';

export interface Fetched {
  /** Instances whose locked outputs are all in the local cache now. */
  ready: Array<{ id: string; entry: LockEntry; record: RunRecord }>;
  problems: string[];
}

const REPAIR_HINT = 'not placed (`pipeline push --verify` from a clone that has it repairs the remote)';

export async function fetchInto(plan: Plan, lock: Lock, store: RemoteStore, selected: Set<string> | undefined, opts: TransferOptions): Promise<Fetched> {
  const cache = new RunCache(plan.cacheDir);
  const problems: string[] = [];
  const ready: Fetched['ready'] = [];
  const wanted: Array<{ id: string; entry: LockEntry; record: RunRecord; local: boolean; missing: string[] }> = [];
  const todo = plan.instances.filter((i) => (!selected || selected.has(i.id)) && lock.get(i.id));
  await parallel(todo, opts.jobs, async (inst) => {
    const entry = lock.get(inst.id)!;
    // The lock comes from git, which anyone with push access writes: only declared outs are placed.
    const undeclared = Object.keys(entry.outs).filter((o) => !inst.outs.includes(o));
    if (undeclared.length > 0) {
      problems.push(`${inst.id}: pipeline.lock records outs the stage does not declare (${undeclared.map((o) => JSON.stringify(o)).join(', ')}); not placed`);
      return;
    }
    const local = await localRecord(cache, entry);
    const record = local ?? (await remoteRecord(store, entry, problems, inst.id));
    if (record) wanted.push({ id: inst.id, entry, record, local: local !== undefined, missing: await missingLocally(cache, record) });
  });

  const objects = new Map<string, { size: number; neededBy: string[] }>();
  for (const w of wanted) {
    for (const [out, rec] of Object.entries(w.record.outs)) {
      for (const f of outFiles(rec)) {
        if (!w.missing.includes(f.hash)) continue;
        const object = objects.get(f.hash) ?? { size: f.size, neededBy: [] };
        object.neededBy.push(`${w.id}: ${describeFile(out, f.path)}`);
        objects.set(f.hash, object);
      }
    }
  }
  const progress = new TransferProgress(`fetch from ${store.label}`, opts.progress, opts.print);
  const total = [...objects.values()].reduce((s, o) => s + o.size, 0);
  await progress.start(objects.size, total);
  const failed = new Set<string>();
  try {
    await parallel([...objects], opts.jobs, async ([hash, o]) => {
      const r = await downloadVerified(store, objectKey(hash), cache.objectPath(hash), hash, o.size, (n) => progress.addBytes(n));
      progress.fileDone();
      if (r.state === 'ok') return;
      failed.add(hash);
      const what = r.state === 'missing' ? 'is missing' : `is corrupt (${r.why})`;
      problems.push(
        `${store.label}: object ${objectKey(hash)} ${what}; needed by ${o.neededBy.join(', ')}; ${r.state === 'missing' ? 'not placed (push it from the clone that ran it)' : REPAIR_HINT}`,
      );
    });
  } finally {
    await progress.finish();
  }
  for (const w of wanted) {
    if (w.missing.some((h) => failed.has(h))) continue;
    if (!w.local) await cache.setRecord(w.entry.fingerprint, w.record); // after its objects, as on the remote
    ready.push({ id: w.id, entry: w.entry, record: w.record });
  }
  const seconds = progress.seconds();
  const got = [...objects].filter(([h]) => !failed.has(h)).reduce((s, [, o]) => s + o.size, 0);
  opts.print(
    `fetch from ${store.label}: ${objects.size - failed.size} objects received (${formatBytes(got)}) in ${formatSeconds(seconds)}` +
      `${seconds > 0 && got > 0 ? `, ${formatBytes(Math.round(got / seconds))}/s` : ''}; ${ready.length} of ${todo.length} recorded instances complete in the local cache`,
  );
  return { ready, problems };
}

/** Places fetched outputs whose workspace copy is missing or differs from the lock; the lock is not touched. */
export async function placeFetched(plan: Plan, hasher: Hasher, fetched: Fetched, print: (line: string) => void): Promise<string[]> {
  const cache = new RunCache(plan.cacheDir);
  const dirs = stateDirs(plan.root);
  const problems: string[] = [];
  let placed = 0;
  let inPlace = 0;
  for (const { id, entry, record } of fetched.ready) {
    const outs = await outOfPlace(hasher, entry);
    inPlace += Object.keys(entry.outs).length - outs.length;
    if (outs.length === 0) continue;
    // A symlinked parent leading out of the project would carry the rename outside: not placed.
    const unsafe = (await Promise.all(outs.map((o) => workspacePlaceProblem(plan.root, o)))).filter((p) => p !== undefined);
    if (unsafe.length > 0) {
      problems.push(`${id}: ${unsafe.join('; ')}`);
      continue;
    }
    await mkdir(dirs.tmp, { recursive: true });
    const tmp = await mkdtemp(path.join(dirs.tmp, `pull-${id.replace(/[^\w.@+-]/g, '_')}-`));
    try {
      const targets = outs.map((declared) => ({ declared, temp: path.join(tmp, declared) }));
      // apply re-hashes every byte it copies out of the cache: nothing unverified reaches the workspace.
      const res = await cache.apply(record, new Map(targets.map((t) => [t.declared, t.temp])));
      if (!res.ok) {
        problems.push(`${id}: ${formatProblems(res.problems)}; not placed (run \`pipeline pull\` again to fetch it afresh)`);
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
  return problems;
}

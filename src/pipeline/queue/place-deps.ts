/**
 * A worker's side of "restore the deps from the remote": each dep the job says upstream
 * instances made is placed in this checkout as the coordinator has it, unless it is there
 * already. Every object is re-hashed on arrival and again when copied out of the cache, as
 * `pipeline pull` does; a dep is replaced whole (rename), so extra files in it do not survive.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { OutRecord, RunCache } from '../state/cache.ts';
import { formatProblems } from '../errors.ts';
import type { Hasher } from '../plan/fingerprint.ts';
import { moveIntoPlace } from '../run/promote.ts';
import { workspacePlaceProblem } from '../fs/safe-path.ts';
import { outHash } from '../remote/layout.ts';
import { fetchRecordObjects } from '../remote/record-transfer.ts';
import type { RemoteStore } from '../remote/store.ts';
import type { stateDirs } from '../state/dirs.ts';

/** Returns the deps it placed. Throws when the remote lacks something (the coordinator pushed it first). */
export async function placeDeps(
  deps: Record<string, OutRecord>,
  root: string,
  dirs: ReturnType<typeof stateDirs>,
  hasher: Hasher,
  cache: RunCache,
  store: RemoteStore,
): Promise<string[]> {
  const placed: string[] = [];
  for (const [dep, rec] of Object.entries(deps)) {
    if ((await hasher.hashPath(dep))?.hash === outHash(rec)) continue;
    const unsafe = await workspacePlaceProblem(root, dep);
    if (unsafe) throw new Error(`dep ${unsafe.message}`);
    const record = { outs: { [dep]: rec } };
    const fetched = await fetchRecordObjects(store, cache, record, () => {});
    if (!fetched.ok) throw new Error(`dep ${dep} could not be fetched from ${store.label}: ${formatProblems(fetched.problems)}`);
    await mkdir(dirs.tmp, { recursive: true });
    const tmp = await mkdtemp(path.join(dirs.tmp, 'dep-'));
    try {
      const target = { declared: dep, temp: path.join(tmp, dep) };
      const applied = await cache.apply(record, new Map([[dep, target.temp]]));
      if (!applied.ok) throw new Error(`dep ${dep}: ${formatProblems(applied.problems)}`);
      await moveIntoPlace(root, dirs.trash, [target]);
      placed.push(dep);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  return placed;
}

/**
 * `pipeline gc --remote --keep-days N`: empties a remote of the run records that neither this
 * clone's pipeline.lock records nor anyone pushed within N days, then of every object and
 * manifest no remaining record or locked output refers to. A shared remote serves other clones
 * whose locks this one cannot see (DVC's `gc -c` deletes what they need), so the age limit is
 * required, not defaulted: only what nobody pushed for N days can go.
 */
import { formatBytes } from '../events.ts';
import type { Lock } from '../state/lock.ts';
import { manifestKey, objectKey, outFiles, outHash, parseManifest, parseRecord, runKey } from './layout.ts';
import type { ListedObject, RemoteStore } from './store.ts';
import { boundedBytes } from './key-io.ts';
import { parallel, withRetry } from './store.ts';

const DAY_MS = 86_400_000;
/** An object younger than this may belong to a push still under way, whose record is not up yet. */
const GRACE_MS = 3_600_000;

export interface RemoteGcReport {
  records: { kept: number; removed: number };
  objects: { kept: number; removed: number; removedBytes: number };
}

export async function gcRemote(
  lock: Lock,
  store: RemoteStore,
  opts: { keepDays: number; dryRun: boolean; jobs: number; now?: number },
): Promise<RemoteGcReport> {
  const now = opts.now ?? Date.now();
  const report: RemoteGcReport = { records: { kept: 0, removed: 0 }, objects: { kept: 0, removed: 0, removedBytes: 0 } };
  const remove = (key: string): Promise<void> => (opts.dryRun ? Promise.resolve() : withRetry(() => store.delete(key)));
  const listAll = async (prefix: string): Promise<ListedObject[]> =>
    withRetry(async () => {
      const out: ListedObject[] = [];
      for await (const o of store.list(prefix)) out.push(o);
      return out;
    });

  // What this clone's lock needs, whoever's record describes it.
  const referenced = new Set<string>();
  const locked = new Set<string>();
  for (const id of lock.ids()) {
    const entry = lock.get(id)!;
    locked.add(runKey(entry.fingerprint));
    for (const h of Object.values(entry.outs)) referenced.add(objectKey(h.hash)).add(manifestKey(h.hash));
  }
  await parallel(await listAll('runs/'), opts.jobs, async (o) => {
    if (!locked.has(o.key) && now - o.mtimeMs > opts.keepDays * DAY_MS) {
      report.records.removed++;
      await remove(o.key);
      return;
    }
    const bytes = await boundedBytes(store, o.key);
    const record = bytes.ok && bytes.value ? parseRecord(bytes.value) : undefined;
    if (!record) return; // unreadable: left for `push --verify` to replace, not taken as a licence to delete
    report.records.kept++;
    for (const rec of Object.values(record.outs)) {
      if (rec.type === 'dir') referenced.add(manifestKey(outHash(rec)));
      for (const f of outFiles(rec)) referenced.add(objectKey(f.hash));
    }
  });
  const files = await listAll('files/');
  // A locked directory's manifest names files that no kept record may list (another clone's bytes).
  await parallel(
    files.filter((o) => o.key.endsWith('.dir') && referenced.has(o.key)),
    opts.jobs,
    async (o) => {
      const hash = o.key
        .slice('files/'.length)
        .replace('/', '')
        .replace(/\.dir$/, '');
      const bytes = await boundedBytes(store, o.key);
      const listing = bytes.ok && bytes.value ? parseManifest(bytes.value, hash) : undefined;
      for (const f of listing ?? []) referenced.add(objectKey(f.hash));
    },
  );
  await parallel(files, opts.jobs, async (o) => {
    if (referenced.has(o.key) || now - o.mtimeMs <= GRACE_MS) {
      report.objects.kept++;
      return;
    }
    report.objects.removed++;
    report.objects.removedBytes += o.size;
    await remove(o.key);
  });
  return report;
}

export function renderRemoteGc(r: RemoteGcReport, label: string, dryRun: boolean): string {
  const verb = dryRun ? 'would remove' : 'removed';
  return `gc ${label}: ${verb} ${r.records.removed} run records, ${r.objects.removed} objects (${formatBytes(r.objects.removedBytes)}); kept ${r.records.kept} run records, ${r.objects.kept} objects`;
}

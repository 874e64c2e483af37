/**
 * `pipeline push`: sends what pipeline.lock records for the selected instances to a remote, in
 * the order that keeps the remote consistent at every moment: file objects, then the manifests
 * of the directories they make up, then the run records that name them. Only what the remote
 * lacks is sent (found by presence.ts), so a rerun after an interruption finishes the job and an
 * up-to-date push sends nothing. A remote object of the wrong size is sent again (a truncated
 * upload from another tool); `--verify` re-hashes every remote object and replaces bad ones.
 */
import path from 'node:path';
import { RunCache, type RunRecord } from '../cache.ts';
import { formatBytes, formatSeconds } from '../events.ts';
import type { Hasher } from '../fingerprint.ts';
import type { Lock, LockEntry } from '../lock.ts';
import type { Plan } from '../plan.ts';
import { manifestBytes, manifestKey, objectKey, outFiles, outHash, parseManifest, parseRecord, runKey } from './layout.ts';
import { presentKeys } from './presence.ts';
import { TransferProgress, type ProgressMode } from './progress.ts';
import { describeFile, exists, localRecord, workspaceRecord } from './resolve.ts';
import type { RemoteStore } from './store.ts';
import { boundedBytes, LocalContentError, parallel, remoteHash, uploadBytes, uploadFile } from './transfer.ts';

export interface TransferOptions {
  jobs: number;
  progress: ProgressMode;
  print: (line: string) => void;
  warn: (line: string) => void;
}

/** Local file-system look-ups in flight at once. */
const LOCAL_JOBS = 16;
/** What localSources answers for an instance whose outputs are not here at all. */
const ABSENT = Symbol('no outputs here');

interface Source {
  id: string;
  entry: LockEntry;
  record: RunRecord;
}

export async function push(
  plan: Plan,
  lock: Lock,
  hasher: Hasher,
  store: RemoteStore,
  selected: Set<string> | undefined,
  opts: TransferOptions & { verify: boolean },
): Promise<string[]> {
  const cache = new RunCache(plan.cacheDir);
  const problems: string[] = [];
  const objects = new Map<string, { size: number; file: string; neededBy: string[] }>();
  const manifests = new Map<string, Buffer>();
  const sources: Source[] = [];
  // Never-run instances have nothing to share. The local look-ups run side by side (an up-to-date
  // push of hundreds of instances is mostly these), and are merged in plan order.
  const todo = plan.instances.filter((i) => (!selected || selected.has(i.id)) && lock.get(i.id));
  const looked = new Map<string, Awaited<ReturnType<typeof localSources>>>();
  await parallel(todo, LOCAL_JOBS, async (inst) => {
    looked.set(inst.id, await localSources(cache, hasher, plan.root, inst.id, lock.get(inst.id)!));
  });
  // Instances whose outputs this clone never had (a fresh clone of a lock others ran) are not its
  // to push: one summary line, not a line each, and not a failure.
  const absent: string[] = [];
  for (const inst of todo) {
    const found = looked.get(inst.id)!;
    if (found === ABSENT) {
      absent.push(inst.id);
      continue;
    }
    if (typeof found === 'string') {
      problems.push(found);
      continue;
    }
    sources.push({ id: inst.id, entry: lock.get(inst.id)!, record: found.record });
    for (const [hash, o] of found.objects) {
      const known = objects.get(hash);
      if (known) known.neededBy.push(...o.neededBy);
      else objects.set(hash, o);
    }
    for (const rec of Object.values(found.record.outs)) if (rec.type === 'dir') manifests.set(outHash(rec), manifestBytes(rec.files));
  }

  const present = await presentKeys(
    store,
    [...[...objects.keys()].map(objectKey), ...[...manifests.keys()].map(manifestKey), ...sources.map((s) => runKey(s.entry.fingerprint))],
    opts.jobs,
  );
  const good = (key: string, size: number): boolean => present.get(key) === size;
  let toSend = [...objects].filter(([hash, o]) => !good(objectKey(hash), o.size));
  let repaired = 0;
  if (opts.verify) {
    const suspects: string[] = [];
    await parallel(
      [...objects.keys()].filter((h) => good(objectKey(h), objects.get(h)!.size)),
      opts.jobs,
      async (hash) => {
        if ((await remoteHash(store, objectKey(hash), objects.get(hash)!.size)) !== hash) suspects.push(hash);
      },
    );
    for (const hash of suspects) opts.warn(`${store.label}: object ${objectKey(hash)} (${objects.get(hash)!.neededBy[0]}) is corrupt; sending it again`);
    repaired = suspects.length;
    toSend = [...toSend, ...suspects.map((h) => [h, objects.get(h)!] as [string, (typeof toSend)[number][1]])];
  }

  const progress = new TransferProgress(`push to ${store.label}`, opts.progress, opts.print);
  await progress.start(
    toSend.length,
    toSend.reduce((s, [, o]) => s + o.size, 0),
  );
  const failed = new Set<string>();
  try {
    await parallel(toSend, opts.jobs, async ([hash, o]) => {
      try {
        await uploadFile(store, objectKey(hash), o.file, hash, o.size, (n) => progress.addBytes(n));
        progress.fileDone();
      } catch (e) {
        if (!(e instanceof LocalContentError)) throw e;
        failed.add(hash);
        problems.push(`${o.neededBy.join(', ')}: ${e.message}; not pushed (run \`pipeline run\` to rebuild it)`);
      }
    });
  } finally {
    await progress.finish();
  }

  // Manifests after their files, records after their objects: never a name without its content.
  const complete = (record: RunRecord): boolean => Object.values(record.outs).every((r) => outFiles(r).every((f) => !failed.has(f.hash)));
  let manifestsSent = 0;
  const sendManifests = [...manifests].filter(([hash]) => !present.has(manifestKey(hash)) || opts.verify);
  await parallel(sendManifests, opts.jobs, async ([hash, bytes]) => {
    const listing = parseManifest(bytes, hash)!;
    if (listing.some((f) => failed.has(f.hash))) return;
    if (present.has(manifestKey(hash))) {
      const there = await boundedBytes(store, manifestKey(hash));
      if (there instanceof Buffer && parseManifest(there, hash)) return;
      repaired++;
    }
    await uploadBytes(store, manifestKey(hash), bytes);
    manifestsSent++;
  });
  let recordsSent = 0;
  await parallel(sources, opts.jobs, async (s) => {
    const key = runKey(s.entry.fingerprint);
    if (!complete(s.record)) return;
    if (present.has(key)) {
      if (!opts.verify) return;
      const there = await boundedBytes(store, key);
      if (there instanceof Buffer && parseRecord(there)) return;
      repaired++;
    }
    await uploadBytes(store, key, Buffer.from(JSON.stringify(s.record)));
    recordsSent++;
  });

  const sentBytes = toSend.filter(([h]) => !failed.has(h)).reduce((s, [, o]) => s + o.size, 0);
  const seconds = progress.seconds();
  const rate = seconds > 0 && sentBytes > 0 ? `, ${formatBytes(Math.round(sentBytes / seconds))}/s` : '';
  opts.print(
    `push to ${store.label}: ${toSend.length - failed.size} objects sent (${formatBytes(sentBytes)}), ${objects.size - toSend.length} already there; ` +
      `${recordsSent} run records and ${manifestsSent} manifests sent${repaired ? `; ${repaired} corrupt remote entries replaced` : ''}; ${sources.length} instances in ${formatSeconds(seconds)}${rate}`,
  );
  if (absent.length > 0) opts.warn(absentLine(absent));
  return problems;
}

/** The one line for the instances whose outputs are neither in the workspace nor in the local cache. */
function absentLine(ids: string[]): string {
  const SHOWN = 3;
  const names = ids.length > SHOWN ? `${ids.slice(0, SHOWN).join(', ')} and ${ids.length - SHOWN} more` : ids.join(', ');
  const [n, them] = ids.length === 1 ? ['1 instance in pipeline.lock has', 'it'] : [`${ids.length} instances in pipeline.lock have`, 'them'];
  return (
    `push: ${n} no outputs here, neither in the workspace nor in the local cache (${names}); not pushed: ` +
    `the clone that ran ${them} can push ${them}, or \`pipeline pull\` or \`pipeline run\` brings ${them} here`
  );
}

/**
 * Where each object of `entry`'s outputs can be read here: the local cache, else the workspace
 * when it holds the locked content. ABSENT: neither holds them as locked; a string says why the
 * instance cannot be pushed.
 */
async function localSources(
  cache: RunCache,
  hasher: Hasher,
  root: string,
  id: string,
  entry: LockEntry,
): Promise<typeof ABSENT | string | { record: RunRecord; objects: Map<string, { size: number; file: string; neededBy: string[] }> }> {
  let workspace: RunRecord | undefined | null = null; // null: not looked at yet
  const inWorkspace = async (): Promise<RunRecord | undefined> => (workspace === null ? (workspace = await workspaceRecord(hasher, entry)) : workspace);
  const record = (await localRecord(cache, entry)) ?? (await inWorkspace());
  if (!record) return ABSENT;
  const objects = new Map<string, { size: number; file: string; neededBy: string[] }>();
  for (const [out, rec] of Object.entries(record.outs)) {
    for (const f of outFiles(rec)) {
      const shown = `${id}: ${describeFile(out, f.path)}`;
      const cached = cache.objectPath(f.hash);
      if (await exists(cached)) objects.set(f.hash, { size: f.size, file: cached, neededBy: [shown] });
      else if (await inWorkspace()) objects.set(f.hash, { size: f.size, file: path.join(root, out, f.path), neededBy: [shown] });
      else return `${shown}: its content ${f.hash.slice(0, 12)}… is neither in the local cache nor in the workspace; not pushed`;
    }
  }
  return { record, objects };
}

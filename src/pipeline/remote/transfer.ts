/**
 * One transfer of what a selection uses (collect.ts), in either direction, in the order that keeps
 * the receiving end consistent at every moment: file objects, then the manifests of the
 * directories they make up, then the run records that name them. An object that cannot be moved
 * is named with the outputs that need it and the rest goes on; a manifest or a record is written
 * only when all its objects arrived, so neither end ever holds a name without its content.
 * A `Direction` says what each phase does at the receiving end: `toRemote` (push) and `toLocal`
 * (fetch).
 */
import type { RunCache } from '../state/cache.ts';
import { fail, formatProblems, succeed, type Problem, type Result, type WithProblems } from '../errors.ts';
import type { DirListing } from '../plan/fingerprint.ts';
import type { ShippedInstance, Shipment, UsedObject } from './collect.ts';
import { boundedBytes, downloadVerified, remoteHash, uploadBytes, uploadFile } from './key-io.ts';
import { manifestBytes, manifestKey, objectKey, outFiles, parseManifest, parseRecord, runKey } from './layout.ts';
import { presentKeys } from './presence.ts';
import { TransferProgress, type ProgressMode } from './progress.ts';
import { parallel, type RemoteStore } from './store.ts';

export interface TransferOptions {
  jobs: number;
  progress: ProgressMode;
  print: (line: string) => void;
  warn: (line: string) => void;
  /** Bytes moved so far of those to move, after each chunk (for a caller's own progress line). */
  onBytes?: (current: number, total: number) => void;
}

export interface Direction {
  /** "push to remote x (...)": the progress line's title. */
  title: string;
  /** The objects the receiving end lacks (or holds wrong), in the order they are sent. */
  lacking(used: Shipment, opts: TransferOptions): Promise<Array<[string, UsedObject]>>;
  /** Moves one object; failing names what needs it (the transfer goes on without it). */
  object(hash: string, o: UsedObject, onBytes: (n: number) => void): Promise<Result<void>>;
  /** Writes a directory's manifest, all of whose files arrived; false when nothing was written. */
  manifest(hash: string, listing: DirListing): Promise<boolean>;
  /** Writes the run record of an instance all of whose objects arrived; false when nothing was written. */
  record(inst: ShippedInstance): Promise<boolean>;
}

export interface Transferred<I extends ShippedInstance = ShippedInstance> {
  /** The objects the receiving end lacked. */
  lacking: number;
  /** Those that arrived, and their bytes. */
  moved: number;
  bytes: number;
  /** Instances all of whose objects are at the receiving end now, in plan order. */
  complete: I[];
  manifests: number;
  records: number;
  seconds: number;
}

/** Moves `used` in its phases; the problems are the objects that could not be moved (the rest went on). */
export async function transfer<I extends ShippedInstance>(
  used: Shipment<I>,
  direction: Direction,
  opts: TransferOptions,
): Promise<WithProblems<Transferred<I>>> {
  const lacking = await direction.lacking(used, opts);
  const progress = new TransferProgress(direction.title, opts.progress, opts.print);
  const total = lacking.reduce((s, [, o]) => s + o.size, 0);
  await progress.start(lacking.length, total);
  let got = 0;
  const onBytes = (n: number): void => {
    progress.addBytes(n);
    got += n;
    opts.onBytes?.(got, total);
  };
  const failed = new Set<string>();
  const problems: Problem[] = [];
  try {
    await parallel(lacking, opts.jobs, async ([hash, o]) => {
      const moved = await direction.object(hash, o, onBytes);
      progress.fileDone();
      if (moved.ok) return;
      failed.add(hash);
      problems.push(...moved.problems);
    });
  } finally {
    await progress.finish();
  }
  const arrived = (hashes: Array<{ hash: string }>): boolean => hashes.every((f) => !failed.has(f.hash));
  let manifests = 0;
  await parallel(
    [...used.manifests].filter(([, listing]) => arrived(listing)),
    opts.jobs,
    async ([hash, listing]) => {
      if (await direction.manifest(hash, listing)) manifests++;
    },
  );
  const complete = used.instances.filter((i) => Object.values(i.record.outs).every((r) => arrived(outFiles(r))));
  let records = 0;
  await parallel(complete, opts.jobs, async (inst) => {
    if (await direction.record(inst)) records++;
  });
  const moved = lacking.filter(([h]) => !failed.has(h));
  return {
    value: {
      lacking: lacking.length,
      moved: moved.length,
      bytes: moved.reduce((s, [, o]) => s + o.size, 0),
      complete,
      manifests,
      records,
      seconds: progress.seconds(),
    },
    problems,
  };
}

/**
 * To a remote: only what it lacks or holds at the wrong size (found by presence.ts, so a rerun
 * after an interruption finishes the job and an up-to-date push sends nothing). With `verify`,
 * every remote object is re-hashed and every manifest and record re-read, and bad ones replaced;
 * `repaired` counts them.
 */
export function toRemote(store: RemoteStore, verify: boolean): Direction & { repaired: number } {
  let present = new Map<string, number>();
  return {
    title: `push to ${store.label}`,
    repaired: 0,
    async lacking(used, opts) {
      const keys = [
        ...[...used.objects.keys()].map(objectKey),
        ...[...used.manifests.keys()].map(manifestKey),
        ...used.instances.map((i) => runKey(i.fingerprint)),
      ];
      present = await presentKeys(store, keys, opts.jobs);
      const good = [...used.objects].filter(([hash, o]) => present.get(objectKey(hash)) === o.size);
      const lacking = [...used.objects].filter(([hash, o]) => present.get(objectKey(hash)) !== o.size);
      if (!verify) return lacking;
      const suspects: Array<[string, UsedObject]> = [];
      await parallel(good, opts.jobs, async ([hash, o]) => {
        if ((await remoteHash(store, objectKey(hash), o.size)) !== hash) suspects.push([hash, o]);
      });
      for (const [hash, o] of suspects) opts.warn(`${store.label}: object ${objectKey(hash)} (${o.neededBy[0]}) is corrupt; sending it again`);
      this.repaired += suspects.length;
      return [...lacking, ...suspects];
    },
    async object(hash, o, onBytes) {
      if (o.file === undefined) return fail(`${o.neededBy.join(', ')}: its content ${hash.slice(0, 12)}… is not in the local cache; not pushed`);
      const sent = await uploadFile(store, objectKey(hash), o.file, hash, o.size, onBytes);
      return sent.ok ? sent : fail(`${o.neededBy.join(', ')}: ${formatProblems(sent.problems)}; not pushed (run \`pipeline run\` to rebuild it)`);
    },
    async manifest(hash, listing) {
      const key = manifestKey(hash);
      if (present.has(key)) {
        if (!verify) return false;
        const there = await boundedBytes(store, key);
        if (there.ok && there.value && parseManifest(there.value, hash)) return false;
        this.repaired++;
      }
      await uploadBytes(store, key, manifestBytes(listing));
      return true;
    },
    async record(inst) {
      const key = runKey(inst.fingerprint);
      if (present.has(key)) {
        if (!verify) return false;
        const there = await boundedBytes(store, key);
        if (there.ok && there.value && parseRecord(there.value)) return false;
        this.repaired++;
      }
      await uploadBytes(store, key, Buffer.from(JSON.stringify(inst.record)));
      return true;
    },
  };
}

const REPAIR_HINT = 'not placed (`pipeline push --verify` from a clone that has it repairs the remote)';

/**
 * From a remote into the local cache: every object re-hashed as it arrives and cached only when it
 * matches its key. The local cache keeps a directory's listing in its run record, so there are no
 * manifests to write; a record from the remote is written once all its objects are in, so
 * `pipeline run` can restore from it like from any run of its own.
 */
export function toLocal(store: RemoteStore, cache: RunCache): Direction {
  return {
    title: `fetch from ${store.label}`,
    lacking: async (used) => [...used.objects].filter(([, o]) => !o.cached),
    async object(hash, o, onBytes) {
      const r = await downloadVerified(store, objectKey(hash), cache.objectPath(hash), hash, o.size, onBytes);
      if (r.ok && r.value === 'placed') return succeed(undefined);
      const what = r.ok ? 'is missing' : `is corrupt (${formatProblems(r.problems)})`;
      return fail(
        `${store.label}: object ${objectKey(hash)} ${what}; needed by ${o.neededBy.join(', ')}; ${r.ok ? 'not placed (push it from the clone that ran it)' : REPAIR_HINT}`,
      );
    },
    manifest: async () => false,
    async record(inst) {
      if (inst.local) return false;
      await cache.setRecord(inst.fingerprint, inst.record);
      return true;
    },
  };
}

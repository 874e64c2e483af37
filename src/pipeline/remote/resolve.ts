/**
 * What a lock entry's outputs consist of, file by file, wherever that is known: the local cache
 * (a record for its fingerprint holding exactly the locked content), the workspace, or the
 * remote (its run record, else the manifests of its directories).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { OutRecord, RunCache, RunRecord } from '../state/cache.ts';
import type { Hasher } from '../plan/fingerprint.ts';
import type { LockEntry } from '../state/lock.ts';
import { fail, succeed, type Problem, type Result } from '../errors.ts';
import { manifestKey, matchesLock, outFiles, readManifest, readRecord, recordForOuts, runKey } from './layout.ts';
import type { RemoteStore } from './store.ts';
import { boundedBytes } from './key-io.ts';

export async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** The local record of `entry`'s fingerprint when it names the locked content, else undefined. */
export async function localRecord(cache: RunCache, entry: LockEntry): Promise<RunRecord | undefined> {
  const rec = await cache.get(entry.fingerprint);
  return rec && matchesLock(rec, entry) ? rec : undefined;
}

/** Hashes of `record`'s objects that the local cache lacks (presence only: restores re-hash). */
export async function missingLocally(cache: RunCache, record: RunRecord): Promise<string[]> {
  const hashes = [...new Set(Object.values(record.outs).flatMap((r) => outFiles(r).map((f) => f.hash)))];
  const present = await Promise.all(hashes.map((h) => exists(cache.objectPath(h))));
  return hashes.filter((_, i) => !present[i]);
}

/** The record of what is in the workspace, when every out there is the locked content. */
export async function workspaceRecord(hasher: Hasher, entry: LockEntry): Promise<RunRecord | undefined> {
  const outs: Record<string, OutRecord> = {};
  for (const [out, locked] of Object.entries(entry.outs)) {
    const d = await hasher.describe(out);
    if (!d || d.hash !== locked.hash) return undefined;
    outs[out] = d.listing ? { type: 'dir', files: d.listing } : { type: 'file', hash: d.hash, size: d.size };
  }
  return { outs };
}

/** Outs of `entry` whose workspace content is not the locked one (missing or changed). */
export async function outOfPlace(hasher: Hasher, entry: LockEntry): Promise<string[]> {
  const out: string[] = [];
  for (const [o, locked] of Object.entries(entry.outs)) if ((await hasher.hashPath(o))?.hash !== locked.hash) out.push(o);
  return out;
}

/**
 * The record of `entry` as the remote knows it. The remote's run record serves when it names the
 * locked content; another clone may have recorded the same fingerprint with other bytes (training
 * that is not bit-exact), so each out is then found by its own hash: a directory's manifest, else
 * a file object. Fails on a record or manifest that is refused or corrupt (hostile or broken).
 */
export async function remoteRecord(store: RemoteStore, entry: LockEntry, id: string): Promise<Result<RunRecord>> {
  const refused = (what: string, why: string): Result<RunRecord> => fail(`${store.label}: ${what} refused: ${why}; not used`);
  const bytes = await boundedBytes(store, runKey(entry.fingerprint));
  if (!bytes.ok) return refused(`record ${runKey(entry.fingerprint)} (needed by ${id})`, bytes.problems[0]!.message);
  const parsed = bytes.value && readRecord(bytes.value);
  const read = parsed && parsed.ok ? recordForOuts(parsed.value, Object.keys(entry.outs)) : parsed;
  if (read && read.ok && matchesLock(read.value, entry)) return read;
  // A record that breaks the path rule, or names outs the stage does not declare, is hostile or
  // broken: refused whole, and said so (pull exits 2).
  if (read && !read.ok && (isUnsafe(read) || read.problems[0]!.message.includes('does not declare'))) {
    return refused(`record ${runKey(entry.fingerprint)} (needed by ${id})`, read.problems[0]!.message);
  }
  const outs: Record<string, OutRecord> = {};
  for (const [out, locked] of Object.entries(entry.outs)) {
    const manifest = await boundedBytes(store, manifestKey(locked.hash));
    if (manifest.ok && !manifest.value) {
      outs[out] = { type: 'file', hash: locked.hash, size: locked.size };
      continue;
    }
    const listing = manifest.ok ? readManifest(manifest.value!, locked.hash) : manifest;
    if (!listing.ok) {
      const why = listing.problems[0]!.message;
      return fail(
        `${store.label}: manifest ${manifestKey(locked.hash)} (${out}, needed by ${id}) ${isUnsafe(listing) ? `refused: ${why}` : `is corrupt (${why})`}; not used`,
      );
    }
    outs[out] = { type: 'dir', files: listing.value };
  }
  return succeed({ outs });
}

function isUnsafe(r: { ok: false; problems: Problem[] }): boolean {
  return r.problems.some((p) => p.unsafePath);
}

export function describeFile(out: string, filePath: string): string {
  return filePath ? path.posix.join(out, filePath) : out;
}

/**
 * One run record's content between the local run-cache and a remote, in the remote's order:
 * objects, then directory manifests, then (when a fingerprint is given) the run record that names
 * them. The queue executor moves single instances this way: a worker sends what it made, the
 * coordinator sends the upstream outputs a job reads, each side fetches the other's.
 */
import path from 'node:path';
import type { RunCache, RunRecord } from '../state/cache.ts';
import { fail, formatProblems, succeed, type Result } from '../errors.ts';
import { manifestBytes, manifestKey, objectKey, outFiles, outHash, runKey } from './layout.ts';
import { presentKeys } from './presence.ts';
import { exists, missingLocally } from './resolve.ts';
import type { RemoteStore } from './store.ts';
import { downloadVerified, uploadBytes, uploadFile } from './key-io.ts';
import { parallel } from './store.ts';

/** Objects of one instance moved at once. */
const JOBS_PER_INSTANCE = 4;

/**
 * Sends `record`'s objects the remote lacks and its manifests; then its run record under
 * `fingerprint`, if given. Objects are read from the local cache, else from `workspace` (the
 * record's outs lie there). Every object is re-hashed as it is read (uploadFile), so nothing the
 * record does not name reaches the remote.
 */
export async function uploadRecord(
  store: RemoteStore,
  cache: RunCache,
  record: RunRecord,
  opts: { fingerprint?: string; workspace?: string } = {},
): Promise<void> {
  const files = new Map<string, string>();
  for (const [out, r] of Object.entries(record.outs)) {
    for (const f of outFiles(r)) {
      if (files.has(f.hash)) continue;
      const cached = cache.objectPath(f.hash);
      files.set(f.hash, opts.workspace && !(await exists(cached)) ? path.join(opts.workspace, out, f.path) : cached);
    }
  }
  const objects = new Map(Object.values(record.outs).flatMap((r) => outFiles(r).map((f) => [f.hash, f.size] as const)));
  const manifests = new Map(Object.values(record.outs).flatMap((r) => (r.type === 'dir' ? [[outHash(r), manifestBytes(r.files)] as const] : [])));
  const present = await presentKeys(store, [...[...objects.keys()].map(objectKey), ...[...manifests.keys()].map(manifestKey)], JOBS_PER_INSTANCE);
  await parallel(
    [...objects].filter(([h, size]) => present.get(objectKey(h)) !== size),
    JOBS_PER_INSTANCE,
    async ([hash, size]) => {
      // The outputs changed under the upload: a bug or an intruder, not the user's mistake.
      const sent = await uploadFile(store, objectKey(hash), files.get(hash)!, hash, size, () => {});
      if (!sent.ok) throw new Error(formatProblems(sent.problems));
    },
  );
  await parallel(
    [...manifests].filter(([h]) => !present.has(manifestKey(h))),
    JOBS_PER_INSTANCE,
    async ([hash, bytes]) => {
      await uploadBytes(store, manifestKey(hash), bytes);
    },
  );
  if (opts.fingerprint) await uploadBytes(store, runKey(opts.fingerprint), Buffer.from(JSON.stringify(record)));
}

/**
 * Brings the objects of `record` that the local cache lacks, each re-hashed on arrival. Fails
 * naming every object that is missing or corrupt on the remote (then the record is not usable).
 */
export async function fetchRecordObjects(
  store: RemoteStore,
  cache: RunCache,
  record: RunRecord,
  onBytes: (got: number, total: number) => void,
): Promise<Result<void>> {
  const missing = new Set(await missingLocally(cache, record));
  const sizes = new Map(Object.values(record.outs).flatMap((r) => outFiles(r).map((f) => [f.hash, f.size] as const)));
  const total = [...missing].reduce((s, h) => s + (sizes.get(h) ?? 0), 0);
  let got = 0;
  const bad: string[] = [];
  await parallel([...missing], JOBS_PER_INSTANCE, async (hash) => {
    const r = await downloadVerified(store, objectKey(hash), cache.objectPath(hash), hash, sizes.get(hash), (n) => {
      got += n;
      onBytes(got, total);
    });
    if (!r.ok || r.value === 'absent') bad.push(`object ${objectKey(hash)} ${r.ok ? 'is missing' : `is corrupt (${formatProblems(r.problems)})`}`);
  });
  return bad.length > 0 ? fail(bad.join('; ')) : succeed(undefined);
}

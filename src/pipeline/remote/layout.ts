/**
 * Where things live on a remote, with the local cache's content addressing (SHA-256, by hash
 * prefix) so one object is one key everywhere:
 *   files/<aa>/<rest>        a file's content
 *   files/<aa>/<rest>.dir    a directory's manifest (its sorted listing), named by the directory's
 *                            hash; uploaded only after every file it lists
 *   runs/<fingerprint>.json  a run record (the local cache's format), uploaded only after every
 *                            object and manifest it names, so a remote never holds a record
 *                            whose content is missing
 */
import type { OutRecord, RunRecord } from '../cache.ts';
import { RunRecordSchema } from '../cache.ts';
import { dirHash, type DirListing } from '../fingerprint.ts';
import type { LockEntry } from '../lock.ts';
import { z } from 'zod';

export const objectKey = (hash: string): string => `files/${hash.slice(0, 2)}/${hash.slice(2)}`;
export const manifestKey = (hash: string): string => `${objectKey(hash)}.dir`;
export const runKey = (fingerprint: string): string => `runs/${fingerprint}.json`;

/** The hash (and size) the lock names for an out, computed the way the hasher computes it. */
export function outHash(rec: OutRecord): string {
  return rec.type === 'file' ? rec.hash : dirHash(rec.files);
}

/** The files an out consists of ('' is the out itself when it is a file). */
export function outFiles(rec: OutRecord): Array<{ path: string; hash: string; size: number }> {
  return rec.type === 'file' ? [{ path: '', hash: rec.hash, size: rec.size }] : rec.files;
}

/** Does `record` hold exactly the content `entry` names for every out? */
export function matchesLock(record: RunRecord, entry: LockEntry): boolean {
  return Object.entries(entry.outs).every(([out, h]) => {
    const rec = record.outs[out];
    return rec !== undefined && outHash(rec) === h.hash;
  });
}

export function parseRecord(bytes: Buffer): RunRecord | undefined {
  try {
    const parsed = RunRecordSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const ManifestSchema = z.array(z.strictObject({ path: z.string().min(1), hash: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }));

export function manifestBytes(listing: DirListing): Buffer {
  return Buffer.from(JSON.stringify(listing));
}

/** A manifest is verified like an object: its listing must hash to the name it is stored under. */
export function parseManifest(bytes: Buffer, hash: string): DirListing | undefined {
  try {
    const parsed = ManifestSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success && dirHash(parsed.data) === hash ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

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
import type { OutRecord, RunRecord } from '../state/cache.ts';
import { DirFilesSchema, MAX_RECORD_BYTES, RunRecordSchema } from '../state/cache.ts';
import { fail, succeed, type Result } from '../errors.ts';
import { dirHash, type DirListing } from '../plan/fingerprint.ts';
import type { LockEntry } from '../state/lock.ts';
import { schemaIssue } from '../fs/safe-path.ts';

/** Run records and manifests are read from a remote up to this size, never more (see MAX_RECORD_BYTES). */
export const MAX_DOCUMENT_BYTES = MAX_RECORD_BYTES;

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
  const r = readRecord(bytes);
  return r.ok ? r.value : undefined;
}

/** A run record from elsewhere, or why it is refused (invalid JSON, a field, an unsafe path named). */
export function readRecord(bytes: Buffer): Result<RunRecord> {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    return fail('it is not valid JSON');
  }
  const parsed = RunRecordSchema.safeParse(raw);
  return parsed.success ? succeed(parsed.data) : fail(schemaIssue(parsed.error));
}

/**
 * A record usable for an instance that declares exactly `outs`: one naming an out the stage does
 * not declare is refused, as is one lacking a declared out (the fingerprint covers the outs, so
 * an honest record has exactly these).
 */
export function recordForOuts(record: RunRecord, outs: string[]): Result<RunRecord> {
  const extra = Object.keys(record.outs).filter((o) => !outs.includes(o));
  if (extra.length > 0) return fail(`it names outs the stage does not declare (${extra.map((o) => JSON.stringify(o)).join(', ')})`);
  const lacking = outs.filter((o) => !record.outs[o]);
  if (lacking.length > 0) return fail(`it lacks ${lacking.join(', ')}`);
  return succeed(record);
}

export function manifestBytes(listing: DirListing): Buffer {
  return Buffer.from(JSON.stringify(listing));
}

/** A manifest is verified like an object: its listing must hash to the name it is stored under. */
export function parseManifest(bytes: Buffer, hash: string): DirListing | undefined {
  const r = readManifest(bytes, hash);
  return r.ok ? r.value : undefined;
}

/**
 * A manifest, or why it is refused. Its paths pass the same rule as a record's, even when the
 * listing hashes right: whoever could write the remote could also hash a listing of their own.
 */
export function readManifest(bytes: Buffer, hash: string): Result<DirListing> {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    return fail('it is not valid JSON');
  }
  const parsed = DirFilesSchema.safeParse(raw);
  if (!parsed.success) return fail(schemaIssue(parsed.error));
  return dirHash(parsed.data) === hash ? succeed(parsed.data) : fail('its listing does not hash to its name');
}

/**
 * The run-cache: every completed instance's outputs, stored content-addressed
 * (files/<aa>/<rest of sha256>), and one small record per fingerprint (runs/<fingerprint>.json)
 * listing which content each out had. A fingerprint seen before restores its outputs instead of
 * running. Restores verify every byte against its address, so a corrupted entry is never used.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, copyFile, constants, mkdir, open, readdir, type FileHandle, readFile, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as z from 'zod';
import { fail, isErrno, succeed, type Result } from '../errors.ts';
import { replaceAtomically, writeFileAtomic } from '../fs/atomic.ts';
import { unlessMissing } from '../fs/missing.ts';
import { dirFilesSchema, SafeRelPath, safeDestination, schemaIssue, WRITE_NO_FOLLOW } from '../fs/safe-path.ts';
import type { Measurements } from '../stage.ts';

/**
 * The largest run record read (a directory's listing is inline: about 150 bytes a file, so some
 * 400,000 files): a record from elsewhere is never read whole into memory without a bound.
 */
export const MAX_RECORD_BYTES = 64 * 2 ** 20;

// Paths come from remotes, workers and hand edits as well as from this process: the one rule
// for outside paths (safe-path.ts) applies to every out name and file path.
const FileRecord = z.strictObject({ path: SafeRelPath, hash: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() });
export const DirFilesSchema = dirFilesSchema(FileRecord);
const OutRecord = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('file'), hash: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal('dir'), files: DirFilesSchema }),
]);
export const RunRecordSchema = z.strictObject({
  outs: z.record(SafeRelPath, OutRecord),
  /** The producing run's measurements, so that an instance restored from here still reports them. */
  measurements: z.record(z.string(), z.number()).optional(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;
export type OutRecord = z.infer<typeof OutRecord>;

export type RestoreResult = Result<void>;

/** A run's record: its outs, and its measurements when it reported any. */
export function runRecord(outs: Record<string, OutRecord>, measurements?: Measurements): RunRecord {
  return measurements && Object.keys(measurements).length > 0 ? { outs, measurements } : { outs };
}

export class RunCache {
  constructor(readonly dir: string) {}

  /** Where the object of `hash` lives; remote transfers read and fill the cache by this path. */
  objectPath(hash: string): string {
    return path.join(this.dir, 'files', hash.slice(0, 2), hash.slice(2));
  }

  private runPath(fingerprint: string): string {
    return path.join(this.dir, 'runs', `${fingerprint}.json`);
  }

  async get(fingerprint: string): Promise<RunRecord | undefined> {
    const found = await this.inspect(fingerprint);
    return found.ok ? found.value : undefined; // a torn or edited record is as good as none
  }

  /**
   * The fingerprints that have a record, from one directory listing: status of thousands of
   * never-run instances then asks only about those, instead of failing to open a file for each.
   */
  async fingerprints(): Promise<Set<string>> {
    try {
      return new Set((await readdir(path.join(this.dir, 'runs'))).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
      throw e;
    }
  }

  /**
   * The record of `fingerprint` (undefined when there is none), or why the one there cannot be
   * used (status names a corrupt one).
   */
  async inspect(fingerprint: string): Promise<Result<RunRecord | undefined>> {
    const shown = path.relative(process.cwd(), this.runPath(fingerprint));
    let text: string;
    try {
      const st = await stat(this.runPath(fingerprint));
      if (st.size > MAX_RECORD_BYTES) return fail(`record ${shown} is larger than ${MAX_RECORD_BYTES} bytes`);
      text = await readFile(this.runPath(fingerprint), 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return succeed(undefined);
      // Unreadable (permissions, I/O): a record that exists but cannot be used, said as such.
      return fail(`record ${shown} cannot be read (${(e as Error).message})`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return fail(`record ${shown} is not valid JSON`);
    }
    const parsed = RunRecordSchema.safeParse(raw);
    if (parsed.success) return succeed(parsed.data);
    // A hand-edited or planted record: refused whole, with the offending field (and path) named.
    const problem = schemaIssue(parsed.error);
    return fail(problem.unsafePath ? { ...problem, message: `record ${shown} refused: ${problem.message}` } : `record ${shown} has an unknown layout`);
  }

  /**
   * Whether `record` can restore `outs`: fails with why not (a missing, unreadable, truncated or
   * altered object) unless every object it needs is present and matches its address. Reads the
   * objects: status uses it only for stale instances it is about to call restorable.
   */
  async verify(record: RunRecord, outs: string[]): Promise<Result<void>> {
    for (const out of outs) {
      const rec = record.outs[out];
      if (!rec) return fail(`record lacks ${out}`);
      const files = rec.type === 'file' ? [{ path: '', hash: rec.hash, size: rec.size }] : rec.files;
      for (const f of files) {
        const src = this.objectPath(f.hash);
        const shown = `object ${path.relative(process.cwd(), src)} (${f.path ? `${out}/${f.path}` : out})`;
        const h = createHash('sha256');
        try {
          for await (const c of createReadStream(src, { end: f.size })) h.update(c as Buffer); // size + 1 bytes at most
        } catch (e) {
          if (isErrno(e, 'ENOENT')) return fail(`${shown} is missing`);
          return fail(`${shown} cannot be read (${(e as Error).message})`);
        }
        if (h.digest('hex') !== f.hash) return fail(`${shown} is corrupt`);
      }
    }
    return succeed(undefined);
  }

  /**
   * Copies a record's outs to `targets` (declared out -> absolute temporary path), verifying
   * each file's content against its address. A corrupt object is deleted so it is stored afresh.
   */
  async apply(record: RunRecord, targets: Map<string, string>): Promise<RestoreResult> {
    for (const [out, target] of targets) {
      const rec = record.outs[out];
      if (!rec) return fail(`cache record lacks ${out}`);
      const files = rec.type === 'file' ? [{ path: '', hash: rec.hash, size: rec.size }] : rec.files;
      if (rec.type === 'dir') await mkdir(target, { recursive: true });
      else await mkdir(path.dirname(target), { recursive: true });
      for (const f of files) {
        // Checked again where bytes are written: inside the out, no symlink on the way.
        const placed = f.path ? await safeDestination(target, f.path) : succeed(target);
        if (!placed.ok) return fail(`cache record for ${out} ${placed.problems[0]!.message}`);
        const copied = await this.copyVerified(f.hash, f.size, placed.value);
        if (!copied.ok) return fail(`cache object for ${f.path ? `${out}/${f.path}` : out} ${copied.problems[0]!.message}`);
      }
    }
    return succeed(undefined);
  }

  /** Stores outs (already in place, described by `outs`) and the record for `fingerprint`. */
  async set(fingerprint: string, root: string, outs: Record<string, OutRecord>, measurements?: Measurements): Promise<void> {
    for (const [out, rec] of Object.entries(outs)) {
      const files = rec.type === 'file' ? [{ path: '', hash: rec.hash }] : rec.files;
      for (const f of files) await this.storeObject(path.join(root, out, f.path), f.hash);
    }
    const record = runRecord(outs, measurements);
    // Not fsynced, as the objects are not: inspect() takes a torn record as none, and restores
    // verify every object against its address.
    await writeFileAtomic(this.runPath(fingerprint), JSON.stringify(record), { sync: false });
  }

  /** Records a fingerprint whose objects are already stored (a fetch from a remote verified them). */
  async setRecord(fingerprint: string, record: RunRecord): Promise<void> {
    await writeFileAtomic(this.runPath(fingerprint), JSON.stringify(record), { sync: false });
  }

  private async storeObject(src: string, hash: string): Promise<void> {
    const dest = this.objectPath(hash);
    try {
      await access(dest);
      return; // content-addressed: already there
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e; // store it, unless it is there but out of reach
    }
    await replaceAtomically(dest, (tmp) => copyFile(src, tmp, constants.COPYFILE_FICLONE));
  }

  /**
   * Copies object `hash` to `dest`, hashing it on the way; deletes it when it turns out corrupt.
   * Reading stops one byte past `size`: an object larger than its record never fills the disk.
   */
  private async copyVerified(hash: string, size: number, dest: string): Promise<Result<void>> {
    const src = this.objectPath(hash);
    const h = createHash('sha256');
    let input: FileHandle | undefined;
    try {
      // Both ends are opened before any stream exists: a stream created before an `await` can
      // fail to open meanwhile and emit 'error' with no listener, which kills the process.
      input = await open(src, 'r');
    } catch (e) {
      // Only an object that is not there is missing; any other error says what it is.
      if (isErrno(e, 'ENOENT')) return fail('is missing');
      return fail(`cannot be copied (${(e as Error).message})`);
    }
    try {
      const output = await open(dest, WRITE_NO_FOLLOW);
      await pipeline(
        input.createReadStream({ end: size }), // `end` is inclusive: size + 1 bytes at most
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const c of chunks) {
            h.update(c);
            yield c;
          }
        },
        output.createWriteStream(),
      );
    } catch (e) {
      return fail(`cannot be copied (${(e as Error).message})`);
    } finally {
      await input.close().catch(() => undefined); // the stream closes it already on success
    }
    if (h.digest('hex') !== hash) {
      await rm(src, { force: true });
      await rm(dest, { force: true });
      return fail('is corrupt');
    }
    return succeed(undefined);
  }

  /** Dates a record as just used, so `gc --keep-days` keeps what restores still rely on. */
  async markUsed(fingerprint: string): Promise<void> {
    const now = new Date();
    await utimes(this.runPath(fingerprint), now, now).catch(() => undefined); // best effort: a read-only shared cache still restores
  }

  /**
   * Removes run records that are neither in `keep` (the fingerprints pipeline.lock records) nor
   * used within `keepDays`, then every object no remaining record refers to, and partial copies
   * (*.tmp) left by a killed run. Objects and partial files younger than GRACE_MS stay: the cache
   * may be shared with another project whose run is storing them right now.
   */
  async gc(opts: { keep: Set<string>; keepDays: number; dryRun: boolean; now?: number }): Promise<GcReport> {
    const now = opts.now ?? Date.now();
    const report: GcReport = {
      records: { kept: 0, removed: 0 },
      objects: { kept: 0, keptBytes: 0, removed: 0, removedBytes: 0 },
      partial: { removed: 0, removedBytes: 0 },
    };
    const remove = (p: string): Promise<void> => (opts.dryRun ? Promise.resolve() : rm(p, { force: true }));
    const removePartial = async (p: string, size: number): Promise<void> => {
      await remove(p);
      report.partial.removed++;
      report.partial.removedBytes += size;
    };
    const referenced = new Set<string>();
    const runsDir = path.join(this.dir, 'runs');
    // Only "not there" is empty: a runs/ out of reach must not make every object unreferenced.
    for (const name of await unlessMissing(readdir(runsDir), [] as string[])) {
      const file = path.join(runsDir, name);
      const st = await unlessMissing(stat(file), undefined);
      if (!st?.isFile()) continue;
      if (name.endsWith('.tmp')) {
        if (now - st.mtimeMs > GRACE_MS) await removePartial(file, st.size);
        continue;
      }
      const fingerprint = name.replace(/\.json$/, '');
      const wanted = opts.keep.has(fingerprint) || now - st.mtimeMs <= opts.keepDays * DAY_MS;
      const found = wanted ? await this.inspect(fingerprint) : undefined;
      if (found?.ok && found.value) {
        report.records.kept++;
        for (const rec of Object.values(found.value.outs)) {
          if (rec.type === 'file') referenced.add(rec.hash);
          else for (const f of rec.files) referenced.add(f.hash);
        }
      } else {
        report.records.removed++; // unwanted, or wanted but torn: a torn record restores nothing
        await remove(file);
      }
    }
    const filesDir = path.join(this.dir, 'files');
    for (const prefix of await unlessMissing(readdir(filesDir), [] as string[])) {
      const sub = path.join(filesDir, prefix);
      for (const name of await unlessMissing(readdir(sub), [] as string[])) {
        const file = path.join(sub, name);
        const st = await unlessMissing(stat(file), undefined);
        if (!st?.isFile()) continue;
        const young = now - st.mtimeMs <= GRACE_MS;
        if (name.endsWith('.tmp')) {
          if (!young) await removePartial(file, st.size);
        } else if (referenced.has(prefix + name) || young) {
          report.objects.kept++;
          report.objects.keptBytes += st.size;
        } else {
          report.objects.removed++;
          report.objects.removedBytes += st.size;
          await remove(file);
        }
      }
    }
    return report;
  }
}

const DAY_MS = 86_400_000;
/** How long a file being written by another run may go untouched: an hour without a write is a dead copy. */
const GRACE_MS = 3_600_000;

export interface GcReport {
  records: { kept: number; removed: number };
  objects: { kept: number; keptBytes: number; removed: number; removedBytes: number };
  partial: { removed: number; removedBytes: number };
}

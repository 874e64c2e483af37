/**
 * The run-cache: every completed instance's outputs, stored content-addressed
 * (files/<aa>/<rest of sha256>), and one small record per fingerprint (runs/<fingerprint>.json)
 * listing which content each out had. A fingerprint seen before restores its outputs instead of
 * running. Restores verify every byte against its address, so a corrupted entry is never used.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, copyFile, constants, mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { writeFileAtomic } from './fs-atomic.ts';

const FileRecord = z.strictObject({ path: z.string(), hash: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() });
const OutRecord = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('file'), hash: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal('dir'), files: z.array(FileRecord) }),
]);
const RunRecordSchema = z.strictObject({ outs: z.record(z.string(), OutRecord) });
export type RunRecord = z.infer<typeof RunRecordSchema>;
export type OutRecord = z.infer<typeof OutRecord>;

export type RestoreResult = { ok: true } | { ok: false; reason: string };

export class RunCache {
  constructor(readonly dir: string) {}

  private objectPath(hash: string): string {
    return path.join(this.dir, 'files', hash.slice(0, 2), hash.slice(2));
  }

  private runPath(fingerprint: string): string {
    return path.join(this.dir, 'runs', `${fingerprint}.json`);
  }

  async get(fingerprint: string): Promise<RunRecord | undefined> {
    const found = await this.inspect(fingerprint);
    return found.state === 'ok' ? found.record : undefined; // a torn or edited record is as good as none
  }

  /** The record of `fingerprint`, or why there is none usable (status names a corrupt one). */
  async inspect(fingerprint: string): Promise<{ state: 'none' } | { state: 'corrupt'; reason: string } | { state: 'ok'; record: RunRecord }> {
    let text: string;
    try {
      text = await readFile(this.runPath(fingerprint), 'utf8');
    } catch {
      return { state: 'none' };
    }
    const shown = path.relative(process.cwd(), this.runPath(fingerprint));
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return { state: 'corrupt', reason: `record ${shown} is not valid JSON` };
    }
    const parsed = RunRecordSchema.safeParse(raw);
    return parsed.success ? { state: 'ok', record: parsed.data } : { state: 'corrupt', reason: `record ${shown} has an unknown layout` };
  }

  /**
   * Why `record` could not be restored for `outs` (a missing, truncated or altered object), or
   * undefined when every object it needs is present and matches its address. Reads the objects:
   * status uses it only for stale instances it is about to call restorable.
   */
  async verify(record: RunRecord, outs: string[]): Promise<string | undefined> {
    for (const out of outs) {
      const rec = record.outs[out];
      if (!rec) return `record lacks ${out}`;
      const files = rec.type === 'file' ? [{ path: '', hash: rec.hash }] : rec.files;
      for (const f of files) {
        const src = this.objectPath(f.hash);
        const h = createHash('sha256');
        try {
          for await (const c of createReadStream(src)) h.update(c as Buffer);
        } catch {
          return `object ${path.relative(process.cwd(), src)} (${f.path ? `${out}/${f.path}` : out}) is missing`;
        }
        if (h.digest('hex') !== f.hash) return `object ${path.relative(process.cwd(), src)} (${f.path ? `${out}/${f.path}` : out}) is corrupt`;
      }
    }
    return undefined;
  }

  /**
   * Copies a record's outs to `targets` (declared out -> absolute temporary path), verifying
   * each file's content against its address. A corrupt object is deleted so it is stored afresh.
   */
  async apply(record: RunRecord, targets: Map<string, string>): Promise<RestoreResult> {
    for (const [out, target] of targets) {
      const rec = record.outs[out];
      if (!rec) return { ok: false, reason: `cache record lacks ${out}` };
      const files = rec.type === 'file' ? [{ path: '', hash: rec.hash }] : rec.files;
      if (rec.type === 'dir') await mkdir(target, { recursive: true });
      for (const f of files) {
        const dest = f.path ? path.join(target, f.path) : target;
        await mkdir(path.dirname(dest), { recursive: true });
        const ok = await this.copyVerified(f.hash, dest);
        if (!ok) return { ok: false, reason: `cache object for ${f.path ? `${out}/${f.path}` : out} is missing or corrupt` };
      }
    }
    return { ok: true };
  }

  /** Stores outs (already in place, described by `outs`) and the record for `fingerprint`. */
  async set(fingerprint: string, root: string, outs: Record<string, OutRecord>): Promise<void> {
    for (const [out, rec] of Object.entries(outs)) {
      const files = rec.type === 'file' ? [{ path: '', hash: rec.hash }] : rec.files;
      for (const f of files) await this.storeObject(path.join(root, out, f.path), f.hash);
    }
    await writeFileAtomic(this.runPath(fingerprint), JSON.stringify({ outs }));
  }

  private async storeObject(src: string, hash: string): Promise<void> {
    const dest = this.objectPath(hash);
    try {
      await access(dest);
      return; // content-addressed: already there
    } catch {
      // store it
    }
    await mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.${process.pid}.tmp`;
    try {
      await copyFile(src, tmp, constants.COPYFILE_FICLONE);
      await rename(tmp, dest);
    } catch (e) {
      await rm(tmp, { force: true }); // a partial copy (full disk) would hold its space forever
      throw e;
    }
  }

  private async copyVerified(hash: string, dest: string): Promise<boolean> {
    const src = this.objectPath(hash);
    const h = createHash('sha256');
    try {
      await pipeline(
        createReadStream(src),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const c of chunks) {
            h.update(c);
            yield c;
          }
        },
        createWriteStream(dest),
      );
    } catch {
      return false;
    }
    if (h.digest('hex') !== hash) {
      await rm(src, { force: true });
      await rm(dest, { force: true });
      return false;
    }
    return true;
  }
}

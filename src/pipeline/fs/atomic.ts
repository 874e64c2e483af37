/**
 * Writes that a crash cannot leave half-done: write a temp file in the same directory, then rename
 * it over the target. The one home of the pattern (state files, cache objects, remote transfers).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Runs `write` on a fresh temp path beside `file` and renames the result into place. `write`
 * returns false to discard what it wrote (a download that failed its check); a write that throws
 * leaves no temp file behind (a partial copy on a full disk would hold its space forever).
 * Resolves true when `file` was replaced. Temp names end in .tmp, which gc knows as partial.
 */
export async function replaceAtomically(file: string, write: (tmp: string) => Promise<boolean | void>): Promise<boolean> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    if ((await write(tmp)) === false) {
      await rm(tmp, { force: true });
      return false;
    }
    await rename(tmp, file);
    return true;
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Writes `data` to `file`, fsynced before the rename, so that the file is whole even after a power
 * cut. `sync: false` keeps the rename (no reader ever sees half a file while the machine runs) but
 * not the fsync: for files whose reader checks them and takes a torn one as absent (the run-cache's
 * records), where a power cut costs a re-run, and an fsync per instance cost a sweep of 10,000 half
 * its recording time.
 */
export async function writeFileAtomic(file: string, data: string | Buffer, { sync = true }: { sync?: boolean } = {}): Promise<void> {
  await replaceAtomically(file, async (tmp) => {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      if (sync) await fh.sync();
    } finally {
      await fh.close();
    }
  });
}

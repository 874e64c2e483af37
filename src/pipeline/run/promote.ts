/**
 * Moves an instance's finished outputs from its temporary directory into place. The lock entry is
 * dropped first, so a crash halfway leaves the instance unrecorded (stale), never wrongly fresh.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { unlessMissing } from '../fs/missing.ts';

export async function moveIntoPlace(root: string, trashDir: string, outs: Array<{ declared: string; temp: string }>): Promise<void> {
  await mkdir(trashDir, { recursive: true });
  for (const { declared, temp } of outs) {
    const dest = path.join(root, declared);
    await mkdir(path.dirname(dest), { recursive: true });
    let old: string | undefined;
    try {
      await stat(dest);
      old = path.join(trashDir, `${path.basename(dest)}.${randomBytes(4).toString('hex')}`);
      await rename(dest, old);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    await rename(temp, dest);
    if (old) await rm(old, { recursive: true, force: true });
  }
}

export async function missingOuts(outs: Array<{ declared: string; temp: string }>): Promise<string[]> {
  const missing: string[] = [];
  for (const o of outs) {
    if (!(await unlessMissing(stat(o.temp), undefined))) missing.push(o.declared);
  }
  return missing;
}

/**
 * A finished job's outputs, from its own folder into staging: exactly the declared outs, or
 * nothing. A job that wrote anything else (a file beside its out, a stray folder) is refused:
 * on a shared file system the folder is the only place a job's outputs may come from, and what
 * the instance does not declare would never be hashed, cached or cleaned up.
 */
import { mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { unlessMissing } from '../../fs/missing.ts';
import { filesUnder } from '../../fs/walk.ts';
import type { PlannedInstance } from '../../plan/plan.ts';
import { isInside } from '../../fs/safe-path.ts';
import type { Staging } from '../../run/steps/staging.ts';

/** Moves the declared outs of `outsDir` into staging; throws, moving nothing, when the job wrote otherwise. */
export async function takeOutputs(inst: PlannedInstance, outsDir: string, staging: Staging, job: string): Promise<void> {
  const written = await filesUnder(outsDir);
  const undeclared = written.filter((f) => !inst.outs.some((o) => isInside(f, o)));
  if (undeclared.length > 0) {
    const shown = undeclared.slice(0, 5).join(', ') + (undeclared.length > 5 ? `, and ${undeclared.length - 5} more` : '');
    throw new Error(`${job} wrote ${shown}, which ${inst.id} does not declare; not recorded`);
  }
  const missing: string[] = [];
  for (const o of inst.outs) if (!(await unlessMissing(stat(path.join(outsDir, o)), undefined))) missing.push(o);
  if (missing.length > 0) throw new Error(`${job} finished without writing ${missing.join(', ')}; not recorded`);
  for (const o of staging.outs) {
    await mkdir(path.dirname(o.temp), { recursive: true });
    await rename(path.join(outsDir, o.declared), o.temp);
  }
}

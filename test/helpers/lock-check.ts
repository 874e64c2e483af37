/**
 * The promise every reliability test checks: each output recorded in pipeline.lock exists and
 * matches its recorded hash, computed here independently of the engine's hasher (same rule:
 * SHA-256 of a file; of a directory, the sorted "path\0hash\n" lines of its files).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Project } from './project.ts';

export async function hashOf(abs: string): Promise<string> {
  const st = await stat(abs);
  if (!st.isDirectory())
    return createHash('sha256')
      .update(await readFile(abs))
      .digest('hex');
  const lines: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(dir, e.name), rel);
      else
        lines.push(
          `${rel}\0${createHash('sha256')
            .update(await readFile(path.join(dir, e.name)))
            .digest('hex')}\n`,
        );
    }
  };
  await walk(abs, '');
  return createHash('sha256').update(lines.sort().join('')).digest('hex');
}

/** Recorded outputs that are missing or differ from their hash ("id: out (why)"); [] when all match. */
export async function lockMismatches(p: Project): Promise<{ checked: number; mismatches: string[] }> {
  let lock;
  try {
    lock = await p.lock();
  } catch {
    return { checked: 0, mismatches: [] }; // no lock yet
  }
  let checked = 0;
  const mismatches: string[] = [];
  for (const [id, entry] of Object.entries(lock?.stages ?? {})) {
    for (const [out, rec] of Object.entries(entry.outs)) {
      checked++;
      let actual: string;
      try {
        actual = await hashOf(path.join(p.root, out));
      } catch {
        mismatches.push(`${id}: ${out} (missing)`);
        continue;
      }
      if (actual !== rec.hash) mismatches.push(`${id}: ${out} (content differs from pipeline.lock)`);
    }
  }
  return { checked, mismatches };
}

/** Every output recorded in pipeline.lock exists and matches its recorded hash; returns how many. */
export async function assertLockMatchesDisk(p: Project): Promise<number> {
  const { checked, mismatches } = await lockMismatches(p);
  assert.deepEqual(mismatches, [], 'outputs recorded in pipeline.lock do not match the disk');
  return checked;
}

/** The one directory walker of the engine (config folders, the plan cache's inputs, hashed output folders). */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { unlessMissing } from './missing.ts';

export interface WalkEntry {
  /** Path relative to the folder walked, '/'-separated. */
  rel: string;
  entry: Dirent;
}

/**
 * Every entry below `dir`, folders before their contents and each folder's entries by name;
 * nothing when `dir` is not there. Symbolic links are entries, never followed.
 */
export async function* walk(dir: string, rel = ''): AsyncGenerator<WalkEntry> {
  const entries = await unlessMissing(readdir(dir, { withFileTypes: true }), []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    yield { rel: child, entry };
    if (entry.isDirectory()) yield* walk(path.join(dir, entry.name), child);
  }
}

/** The files (and links) below `dir`, relative to it and sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const { rel, entry } of walk(dir)) if (!entry.isDirectory()) out.push(rel);
  return out.sort();
}

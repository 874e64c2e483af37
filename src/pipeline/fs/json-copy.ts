/**
 * JSON copies of what was derived from a file's text (its parse, checked), kept under .pipeline/
 * and keyed by the digest of that text and the copy's version: a copy is read back only for the
 * same text and version, so an edit, a torn copy or another release's copy means deriving again.
 * The lock's entries (lock.json) and pipeline.yaml's value and positions (pipeline.yaml.json) are
 * kept so: an up-to-date run parses no YAML.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic.ts';

/** The copy at `file` made from the text with `digest` at `version`, or undefined (none, torn, stale). */
export async function readJsonCopy(file: string, version: number, digest: string): Promise<Record<string, unknown> | undefined> {
  try {
    const copy = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown> | null;
    if (copy?.version === version && copy.digest === digest) return copy;
  } catch {
    // none yet, or torn
  }
  return undefined;
}

/** Writes the copy of what was derived from the text with `digest` (atomically; `sync` as writeFileAtomic's). */
export function writeJsonCopy(file: string, version: number, digest: string, derived: object, opts?: { sync?: boolean }): Promise<void> {
  return writeFileAtomic(file, JSON.stringify({ version, digest, ...derived }), opts);
}

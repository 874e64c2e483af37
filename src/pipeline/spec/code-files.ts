/**
 * The files that make up a stage's code: its module and every project module it imports,
 * transitively. Packages (bare specifiers) are not followed, and neither is the runner itself
 * (src/pipeline/): editing the engine must not make every stage stale.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.ts';
import { isMissing } from '../fs/missing.ts';

const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
export const ENGINE_DIR = 'src/pipeline/';

export async function codeFiles(root: string, module: string): Promise<string[]> {
  const found = new Set<string>();
  const visited = new Set<string>();
  const queue = [module];
  while (queue.length > 0) {
    const wanted = queue.pop()!;
    if (visited.has(wanted)) continue;
    visited.add(wanted);
    const file = await readFirst(root, wanted);
    if (!file) continue; // a missing import is the module's problem, reported when it loads
    found.add(file.rel);
    for (const m of file.text.matchAll(IMPORT_RE)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file.rel), m[1]!));
      if (target.startsWith('..') || target.startsWith(ENGINE_DIR)) continue;
      queue.push(target);
    }
  }
  return [...found].sort();
}

/** tsx lets "./x.js" name "./x.ts"; read the file that really exists. */
async function readFirst(root: string, rel: string): Promise<{ rel: string; text: string } | undefined> {
  for (const candidate of [rel, rel.replace(/\.js$/, '.ts')]) {
    try {
      return { rel: candidate, text: await readFile(path.join(root, candidate), 'utf8') };
    } catch (e) {
      // Not there, or a folder (a resolver's business): try the next spelling. An unreadable
      // file is an error: leaving it out would make the code fingerprint blind to it.
      if (!isMissing(e) && !isErrno(e, 'EISDIR')) throw e;
    }
  }
  return undefined;
}

/**
 * What `pipeline --version` or `pipeline help` loads before it answers: the bundle's entry and the
 * chunks it imports statically. Each command's handler is a chunk of its own (bin/engine-bundle.js),
 * so the npm packages a command needs (zod, yaml, the S3 client, BullMQ, listr2, Vega) load only
 * when that command runs; a single bundle loaded all of them on every start.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
// @ts-expect-error: plain JS without types (it runs before anything is compiled)
import { ensureEngineBundle } from '../../../bin/engine-bundle.js';

/** The bare (package) specifiers reachable from `file` through static imports. */
async function staticPackages(file: string, seen = new Set<string>()): Promise<Set<string>> {
  const packages = new Set<string>();
  if (seen.has(file)) return packages;
  seen.add(file);
  const text = await readFile(file, 'utf8');
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"([^"]+)";?$|^import\s*"([^"]+)";?$/gms)) {
    const spec = m[1] ?? m[2]!;
    if (spec.startsWith('.')) for (const p of await staticPackages(path.resolve(path.dirname(file), spec), seen)) packages.add(p);
    else if (!spec.startsWith('node:')) packages.add(spec);
  }
  return packages;
}

describe('CLI start-up', () => {
  it('the bundle entry loads no npm package until a command that needs one runs', async () => {
    const entry = (await ensureEngineBundle()) as string;
    assert.deepEqual([...(await staticPackages(entry))], []);
    // The handlers are there, loaded on demand.
    assert.match(await readFile(entry, 'utf8'), /import\("\.\/chunk-[\w-]+\.mjs"\)/);
  });
});

/** The hooks of register.mjs, in node's loader thread: TypeScript files become ES modules. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPESCRIPT = /\.m?ts$/;
const CACHE = fileURLToPath(new URL('../../node_modules/.cache/test-loader/', import.meta.url));
// esbuild itself is loaded only to transform a file not seen yet; its version keys what it made.
const ESBUILD_VERSION = JSON.parse(readFileSync(new URL('../../node_modules/esbuild/package.json', import.meta.url), 'utf8')).version;
let esbuild;

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !TYPESCRIPT.test(new URL(url).pathname)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = await readFile(file, 'utf8');
  const key = createHash('sha256').update(`${ESBUILD_VERSION}\0${file}\0${source}`).digest('hex');
  const cached = path.join(CACHE, `${key}.mjs`);
  try {
    return { format: 'module', source: await readFile(cached, 'utf8'), shortCircuit: true };
  } catch {
    // not made yet
  }
  esbuild ??= await import('esbuild');
  const { code } = await esbuild.transform(source, { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: file });
  try {
    await mkdir(CACHE, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    await writeFile(tmp, code);
    await rename(tmp, cached);
  } catch {
    // A cache that cannot be written only costs transforming the file again next time.
  }
  return { format: 'module', source: code, shortCircuit: true };
}

/**
 * The hooks of register.mjs, in node's loader thread: TypeScript files become ES modules, and the
 * packages of BUNDLED and REQUIRED are imported through one prebuilt module each.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TYPESCRIPT = /\.m?ts$/;
const CACHE = fileURLToPath(new URL('../../node_modules/.cache/test-loader/', import.meta.url));
// esbuild itself is loaded only to transform a file not seen yet; its version keys what it made.
const ESBUILD_VERSION = JSON.parse(readFileSync(new URL('../../node_modules/esbuild/package.json', import.meta.url), 'utf8')).version;
let esbuild;

/** Writes `text` to `file` whole or not at all (test processes start together and share the cache). */
async function writeCached(file, text) {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch {
    // A cache that cannot be written only costs making the file again next time.
  }
}

/**
 * Packages imported as one file each, built once per install into the cache. With hooks
 * registered, node asks this thread to resolve and load every module, a round trip each: importing
 * execa's 100 modules cost a test process 310 ms of CPU, zod's 96 another 195 ms, vega-lite's 850
 * (one file each: 51, 63 and 160 ms). All are ES modules whose subpaths nothing here imports, so
 * every importer in a process still shares one instance, as from node_modules.
 */
const BUNDLED = new Set(['execa', 'zod', 'vega', 'vega-lite']);

/**
 * CommonJS packages imported through a module that require()s them: node's own CommonJS loader
 * then loads the package's files, none of them through this thread (importing TensorFlow.js took
 * a test process 1.13 s of CPU, requiring it 0.45 s; yaml 65 and 51 ms). The module exports what the package exports,
 * as an import of it would (`default` is module.exports), and it requires the file node resolved,
 * so any other require() of the package gets the same instance.
 */
const REQUIRED = new Set(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'yaml']);

/** The source of the module that stands for the package whose resolved main file is `entry`. */
async function packageModule(entry, kind) {
  if (kind === 'required') {
    const names = Object.keys(createRequire(entry)(entry)).filter((n) => n !== 'default' && n !== '__esModule');
    return [
      "import { createRequire } from 'node:module';",
      `const m = createRequire(${JSON.stringify(entry)})(${JSON.stringify(entry)});`,
      ...names.map((n, i) => `const e${i} = m[${JSON.stringify(n)}];`),
      `export { ${names.map((n, i) => `e${i} as ${JSON.stringify(n)}`).join(', ')} };`,
      'export default m;',
      '',
    ].join('\n');
  }
  esbuild ??= await import('esbuild');
  // The entry itself, bundled: the output exports what it exports (a default only where it has
  // one). The CommonJS packages inside (execa's cross-spawn) require node's modules, as in the
  // engine's bundle (bin/engine-bundle.js).
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    banner: { js: "import { createRequire as __loaderRequire } from 'node:module'; const require = __loaderRequire(import.meta.url);" },
  });
  return result.outputFiles[0].text;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  // (A package that became an ES module fails to require() below, and is imported as installed.)
  const kind = BUNDLED.has(specifier) ? 'bundled' : REQUIRED.has(specifier) ? 'required' : undefined;
  if (!kind || !resolved.url.startsWith('file:')) return resolved;
  const entry = fileURLToPath(resolved.url);
  try {
    // An install rewrites the package's files: a new size or time is a new file.
    const st = await stat(entry);
    const key = createHash('sha256').update(`${ESBUILD_VERSION}\0${kind}\0${entry}\0${st.size}:${st.mtimeMs}`).digest('hex').slice(0, 16);
    const file = path.join(CACHE, 'packages', `${specifier.replaceAll('/', '+')}-${key}.mjs`);
    if (!(await stat(file).catch(() => undefined))) {
      await writeCached(file, await packageModule(entry, kind));
      await stat(file);
    }
    return { url: pathToFileURL(file).href, format: 'module', shortCircuit: true };
  } catch {
    // Not made (no esbuild, no cache folder): the package as installed.
    return resolved;
  }
}

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
  await writeCached(cached, code);
  return { format: 'module', source: code, shortCircuit: true };
}

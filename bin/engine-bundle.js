// Bundles the runner (src/pipeline/) into dist/ with esbuild, and rebuilds it whenever one of its
// sources changed. A bundle loads in a fraction of the time of ~30 TypeScript modules compiled on
// the fly, which is most of the cost of an up-to-date `pipeline run`. Plain JS: it runs first.
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync, readFileSync, writeFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const REPO = fileURLToPath(new URL('..', import.meta.url));
// The runner and the modules it bundles from outside src/pipeline (pipeline ui's server).
const SOURCES = ['src/pipeline', 'src/ui'];
const DIST = path.join(REPO, 'dist');
const MANIFEST = path.join(DIST, 'engine-manifest.json');
const EXECUTORS = 'src/pipeline/executors';

/**
 * The ES module entries (the runner is dist/cli.cjs, see CLI): the stage child, and each executor's
 * job program: an executor whose jobs run a
 * program of their own (a batch job on a cluster node) has it at executors/NAME/job-entry.ts, and
 * finds it bundled as dist/NAME-job.mjs. Found by place, so adding an executor touches no file here.
 */
function entries() {
  const out = { child: 'src/pipeline/child/entry.ts' };
  for (const e of readdirSync(path.join(REPO, EXECUTORS), { withFileTypes: true })) {
    const entry = `${EXECUTORS}/${e.name}/job-entry.ts`;
    if (e.isDirectory() && existsSync(path.join(REPO, entry))) out[`${e.name}-job`] = entry;
  }
  return out;
}

function sourceStamp() {
  const stamp = {};
  // Every command pays for this walk (about 160 files): paths are joined by hand, as path.join
  // and path.relative normalise each one and took two thirds of its time (6 of 10 ms).
  const walk = (rel) => {
    for (const e of readdirSync(REPO + rel, { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (e.name.endsWith('.ts')) {
        const st = statSync(REPO + child);
        stamp[child] = `${st.size}:${st.mtimeMs}`;
      }
    }
  };
  for (const dir of SOURCES) walk(dir);
  // How it is bundled is an input too.
  const self = statSync(fileURLToPath(import.meta.url));
  stamp['bin/engine-bundle.js'] = `${self.size}:${self.mtimeMs}`;
  return JSON.stringify(stamp);
}

/**
 * Packages bundled into the runner rather than loaded from node_modules, each one compiled file
 * instead of dozens of ES modules resolved, read and linked one by one: zod and yaml, which most
 * commands load, and execa, which every run that starts a stage loads (220 ms of CPU from
 * node_modules, its 40 modules; 65 ms bundled). p-limit because it is an ES module only, which
 * the runner's CommonJS file could not require() (the others it imports by name can be; those it
 * loads with import(), such as vega, are imported as ES modules).
 */
const BUNDLED_PACKAGES = new Set(['zod', 'yaml', 'execa', 'p-limit']);

/** The packages the bundle leaves to node_modules: all the project's but BUNDLED_PACKAGES. */
function externalPackages() {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.devDependencies, ...pkg.peerDependencies });
  return names.filter((n) => !BUNDLED_PACKAGES.has(n));
}

const isChunk = (name) => name.startsWith('chunk-') && name.endsWith('.mjs');

/** Chunks of earlier builds, once no process started a day ago can still be loading them. */
function pruneChunks(current) {
  for (const name of readdirSync(DIST).filter(isChunk)) {
    const abs = path.join(DIST, name);
    if (!current.has(abs) && Date.now() - statSync(abs).mtimeMs > 24 * 3600 * 1000) rmSync(abs, { force: true });
  }
}

/** Returns the absolute path of dist/cli.cjs, rebuilding the bundles first if they are out of date. */
export async function ensureEngineBundle() {
  const stamp = sourceStamp();
  let current = '';
  try {
    current = readFileSync(MANIFEST, 'utf8');
  } catch {
    // never built
  }
  if (current !== stamp) {
    const { build } = await import('esbuild');
    const common = {
      absWorkingDir: REPO,
      bundle: true,
      platform: 'node',
      target: 'node20',
      // Every package stays external (loaded from node_modules as usual) except BUNDLED_PACKAGES.
      external: externalPackages(),
      outdir: DIST,
      write: false,
      logLevel: 'error',
    };
    const [modules, cli] = await Promise.all([
      build({
        ...common,
        entryPoints: entries(),
        format: 'esm',
        // yaml (and execa's cross-spawn) are CommonJS and require node's own modules: an ES module
        // bundle gets a require.
        banner: { js: "import { createRequire as __pipelineRequire } from 'node:module'; const require = __pipelineRequire(import.meta.url);" },
        // What an entry imports with import() is a chunk of its own, loaded when asked for. Chunks
        // are named by content: a process still running an older bundle keeps finding its own.
        // They sit beside the entries: modules resolve files next to themselves through
        // import.meta.url (child/spawn.ts finds child.mjs so).
        splitting: true,
        chunkNames: 'chunk-[name]-[hash]',
        outExtension: { '.js': '.mjs' },
      }),
      build({
        ...common,
        entryPoints: { cli: 'src/pipeline/cli/main.ts' },
        format: 'cjs',
        outExtension: { '.js': '.cjs' },
        // The sources are ES modules: import.meta as a CommonJS file has it (and import() through
        // __engineImport, below).
        define: { 'import.meta.url': '__engineUrl', 'import.meta.dirname': '__dirname', 'import.meta.filename': '__filename' },
      }),
    ]);
    mkdirSync(DIST, { recursive: true });
    // Atomic writes: two runs starting at once may both rebuild; each reader sees a whole file.
    // Chunks first, so an entry is never in place before what it imports.
    const entryLast = (f) => (isChunk(path.basename(f.path)) ? 0 : 1);
    const files = [...modules.outputFiles].sort((a, b) => entryLast(a) - entryLast(b)).map((f) => ({ path: f.path, contents: f.contents }));
    files.push({ path: CLI, contents: Buffer.from(runnerText(cli.outputFiles[0].text)) });
    for (const file of files) writeWhole(file.path, file.contents);
    pruneChunks(new Set(files.map((f) => f.path)));
    // The runner's entry before it was one CommonJS file.
    rmSync(path.join(DIST, 'cli.mjs'), { force: true });
    // The code caches of earlier bundles (loadEngine names each by its bundle's digest).
    for (const name of readdirSync(DIST).filter((n) => n.endsWith('.v8cache'))) rmSync(path.join(DIST, name), { force: true });
    writeWhole(MANIFEST, stamp);
  }
  return CLI;
}

/** Writes `file` whole or not at all: processes starting together read what others write here. */
function writeWhole(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

/** A command that ran longer makes no code cache (see loadEngine). */
const SHORT_COMMAND_MS = 2000;

/** The runner's bundle: one CommonJS file, so that it can be compiled from V8's code cache (loadEngine). */
const CLI = path.join(DIST, 'cli.cjs');

/** A dynamic import() in the bundle's code (not a method named import, nor part of a name). */
const DYNAMIC_IMPORT = /(?<![\w$.])import\(/g;

/**
 * esbuild's CommonJS output as the runner's file: its import() calls made through __engineImport
 * (see below; a plain require() of the file, as in tests, imports from its own module), and
 * import.meta.url defined, after the "use strict" that must stay its first statement.
 */
function runnerText(text) {
  const strict = '"use strict";\n';
  // ASCII only: esbuild escapes what is outside it in code but keeps comments as they are, and one
  // em dash in a comment of zod's made the whole file UTF-8 to decode (20 ms at each start, against
  // 2) and a two-byte string for V8. An escape means the same character in a string, a template, a
  // regular expression or a name, and is plain text in a comment.
  const body = text.replace(DYNAMIC_IMPORT, '__engineImport(').replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const head =
    "const __engineUrl = require('node:url').pathToFileURL(__filename).href;\n" +
    "const __engineImport = globalThis[Symbol.for('pipeline.engine-import')] ?? ((specifier) => import(specifier));\n";
  return body.startsWith(strict) ? strict + head + body.slice(strict.length) : head + body;
}

// The runner's import() calls, made from this module: V8 code compiled from a code cache by
// node:vm loses the callback node's import() needs (Node 20: "A dynamic import callback was not
// specified"). Specifiers are absolute URLs or packages, which resolve the same from here.
globalThis[Symbol.for('pipeline.engine-import')] = (specifier) => import(specifier);

/**
 * The runner's exports ({ main }), compiled with V8's code cache of an earlier run of the same
 * command: node 20 has no compile cache of its own, and compiling the bundle's functions as they are
 * first called was about a third of an up-to-date command's CPU. The cache is made at the end of
 * the command's first short run with this bundle (it holds the functions that ran), one per
 * command, named by the bundle's digest; V8 refuses a cache of another V8 or other flags, and that
 * one is made again. Best effort: a folder that cannot be written only costs compiling each time.
 */
export async function loadEngine(command) {
  const file = await ensureEngineBundle();
  const bytes = readFileSync(file);
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  // Written as ASCII (runnerText), so latin1 decodes it as a copy, where UTF-8 checks every byte.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const cacheFile = path.join(DIST, `cli-${digest}.${/^[a-z][a-z-]*$/.test(command ?? '') ? command : 'other'}.v8cache`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // not made yet
  }
  // No importModuleDynamically: the bundle's import() calls are __engineImport's (runnerText).
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, DIST);
  const started = Date.now();
  const saveCache = () => {
    if (cachedData && !script.cachedDataRejected) return;
    // Start-up is what the cache serves, and V8 reads all of it: a command that worked for longer
    // compiled the code of its work too (the cache of a 200-stage run was 35% larger, and an
    // up-to-date run that loaded it took 0.22 s of CPU, against 0.19 s with one made by an
    // up-to-date run and 0.21 s with none).
    if (Date.now() - started > SHORT_COMMAND_MS) return;
    try {
      writeWhole(cacheFile, script.createCachedData());
    } catch {
      // compiled again next time
    }
  };
  return { main: module.exports.main, saveCache };
}

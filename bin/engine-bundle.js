// Bundles the runner (src/pipeline/) into dist/ with esbuild, and rebuilds it whenever one of its
// sources changed. A bundle loads in a fraction of the time of ~30 TypeScript modules compiled on
// the fly, which is most of the cost of an up-to-date `pipeline run`. Plain JS: it runs first.
import { existsSync, readdirSync, statSync, readFileSync, writeFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
// The runner and the modules it bundles from outside src/pipeline (pipeline ui's server).
const SOURCES = ['src/pipeline', 'src/ui'];
const DIST = path.join(REPO, 'dist');
const MANIFEST = path.join(DIST, 'engine-manifest.json');
const EXECUTORS = 'src/pipeline/executors';

/**
 * The runner, the stage child, and each executor's job program: an executor whose jobs run a
 * program of their own (a batch job on a cluster node) has it at executors/NAME/job-entry.ts, and
 * finds it bundled as dist/NAME-job.mjs. Found by place, so adding an executor touches no file here.
 */
function entries() {
  const out = { cli: 'src/pipeline/cli/main.ts', child: 'src/pipeline/child/entry.ts' };
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
 * node_modules, its 40 modules; 65 ms bundled).
 */
const BUNDLED_PACKAGES = new Set(['zod', 'yaml', 'execa']);

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

/** Returns the absolute path of dist/cli.mjs, rebuilding the bundle first if it is out of date. */
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
    const result = await build({
      entryPoints: entries(),
      absWorkingDir: REPO,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Every package stays external (loaded from node_modules as usual) except BUNDLED_PACKAGES.
      external: externalPackages(),
      // yaml (and execa's cross-spawn) are CommonJS and require node's own modules: an ES module
      // bundle gets a require.
      banner: { js: "import { createRequire as __pipelineRequire } from 'node:module'; const require = __pipelineRequire(import.meta.url);" },
      // Each command's handler is a dynamic import in the command table: its own chunk, so
      // `pipeline --version` or `help` does not load the packages of every command (zod, yaml,
      // the S3 client...). Chunks are named by content: a process still running an older bundle
      // keeps finding its own. They sit beside the entries: modules resolve files next to
      // themselves through import.meta.url (child/spawn.ts finds child.mjs so).
      splitting: true,
      chunkNames: 'chunk-[name]-[hash]',
      outdir: DIST,
      outExtension: { '.js': '.mjs' },
      write: false,
      logLevel: 'error',
    });
    mkdirSync(DIST, { recursive: true });
    // Atomic writes: two runs starting at once may both rebuild; each reader sees a whole file.
    // Chunks first, so an entry is never in place before what it imports.
    const entryLast = (f) => (isChunk(path.basename(f.path)) ? 0 : 1);
    for (const file of [...result.outputFiles].sort((a, b) => entryLast(a) - entryLast(b))) {
      const tmp = `${file.path}.${process.pid}.tmp`;
      writeFileSync(tmp, file.contents);
      renameSync(tmp, file.path);
    }
    pruneChunks(new Set(result.outputFiles.map((f) => f.path)));
    const tmp = `${MANIFEST}.${process.pid}.tmp`;
    writeFileSync(tmp, stamp);
    renameSync(tmp, MANIFEST);
  }
  return path.join(DIST, 'cli.mjs');
}

/**
 * A stage module and the project files it imports, bundled into a plain-JS file (and one per part
 * it imports with import()) that a stage process imports without tsx. Registering tsx's loader
 * starts a hooks thread and routes every later import through it: 0.4 s of CPU in each stage
 * process, more than the toy stage itself.
 * The bundle sits under .pipeline/stage-bundles/ and is rebuilt when the content of any file in it
 * changed (each input is re-read and hashed: a stage's sources are small, and a stat can miss an
 * edit made within the same clock tick); a rebuild removes the module's earlier bundles a day after
 * they were replaced. Packages stay external, resolved from the project's
 * node_modules as before, except those of PREBUNDLED (see there); each file's `import.meta.url` is
 * its own source's, so code that finds files beside itself (the native addon, the report's
 * provenance) finds the same ones.
 * Anything the bundler cannot do falls back to importing the source through tsx, as before.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../fs/atomic.ts';
import { mapStackFrames } from './stack-map.ts';
import { ensureTypeScriptLoader, hasTypeScriptLoader } from './typescript-loader.ts';

/** Bumped when the way a bundle is made changes: older bundles are rebuilt. */
const FORMAT = 5;

/**
 * Packages a stage bundle imports as one prebuilt file instead of node_modules' many. Every stage
 * imports zod, and zod's ESM build is 96 modules (64 of them locales): resolving, reading and
 * compiling them took 90 ms of CPU in each stage process, more than a toy stage's whole run. The
 * package is bundled once per install into node_modules/.cache/ (where tools keep what they derive
 * from installed packages), and every stage bundle of every project on that node_modules imports
 * that file: a stage process loads it in about half the time, the plan's analysis loads one zod for
 * all its stages, and building a stage no longer parses zod (bundled into each stage, as from
 * 2026-12-05 to 12-06, it cost each build of a project's stages about 0.5 s of CPU, more than
 * its stage processes saved). Without a writable cache folder, the package stays external.
 */
const PREBUNDLED = new Set(['zod']);

interface BundleMeta {
  format: number;
  /** The bundle's file name, beside this meta file (named by its content). */
  bundle: string;
  /**
   * The files of what the stage imports with `import()`, beside it (named by their content). A
   * stage loads its heavy code so, when it runs (stages/train.ts: the training code and with it
   * TensorFlow.js); bundled into one file, that code's package imports became the bundle's own
   * static imports, and the plan's analysis, which imports every stage module for its schema,
   * loaded TensorFlow.js (0.5 s of CPU at each analysis of this project).
   */
  chunks: string[];
  /**
   * Absolute path of each bundled source -> sha256 of its content; for a package's file (under
   * node_modules/: a bundled package's, a prebuilt file and its package.json), its size and
   * modification time instead: packages change by installs, which rewrite their files, and every
   * stage process checks these.
   */
  inputs: Record<string, string>;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** esbuild's output as a Buffer, without a copy. */
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const isPackageFile = (file: string): boolean => file.split(path.sep).includes('node_modules');

/** What `inputs` records of `file` (see BundleMeta). */
async function signature(file: string): Promise<string> {
  if (!isPackageFile(file)) return sha256(await readFile(file));
  const st = await stat(file);
  return `${st.size}:${st.mtimeMs}`;
}

/** The meta file of the bundle of `module` (project-relative): it names the current bundle. */
function metaPath(root: string, module: string): string {
  const name = `${path.basename(module).replace(/\.[cm]?[jt]sx?$/, '')}-${sha256(module).slice(0, 12)}`;
  return path.join(root, '.pipeline', 'stage-bundles', `${name}.json`);
}

/** A bundle's files: the one to import, and the chunks it may import (absolute paths). */
interface BundleFiles {
  js: string;
  chunks: string[];
}

/** The bundle `meta` names, while every source in it is as it was bundled. */
async function current(meta: string): Promise<BundleFiles | undefined> {
  try {
    const m = JSON.parse(await readFile(meta, 'utf8')) as BundleMeta;
    if (m.format !== FORMAT) return undefined;
    for (const [file, recorded] of Object.entries(m.inputs)) if ((await signature(file)) !== recorded) return undefined;
    // A chunk removed by hand would fail the stage when it runs: build again instead.
    const chunks = m.chunks.map((c) => path.join(path.dirname(meta), c));
    for (const chunk of chunks) await stat(chunk);
    return { js: path.join(path.dirname(meta), m.bundle), chunks };
  } catch {
    return undefined;
  }
}

const LOADERS: Record<string, 'ts' | 'tsx' | 'js' | 'jsx'> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx' };

/** `import.meta` other than these three is left to tsx: a bundle could not keep its meaning. */
const META_USE = /import\.meta(?!\.(?:url|dirname|filename)\b)/;

async function build(root: string, module: string, meta: string): Promise<BundleFiles | undefined> {
  const { build: esbuild } = await import('esbuild');
  let unsupported = false;
  /** The files of prebuilt packages this bundle imports, and their packages' package.json. */
  const extraInputs: string[] = [];
  const prebuilt = new Map<string, ReturnType<typeof packageBundle>>();
  const result = await esbuild({
    entryPoints: [path.join(root, module)],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    sourcesContent: false,
    // What the stage imports with import() stays a file of its own, loaded when the stage asks.
    splitting: true,
    chunkNames: `${path.basename(meta, '.json')}-chunk-[hash]`,
    // ES modules whatever the project's package.json says of .js files.
    outExtension: { '.js': '.mjs' },
    // Where the bundle will be: the map names each source relative to it (stack-map.ts resolves them so).
    outdir: path.dirname(meta),
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        // Bare specifiers stay imports of the project's packages, but those of PREBUNDLED import
        // their prebuilt file; a package's own `#imports` are its files, bundled as before.
        name: 'external-packages',
        setup(b) {
          b.onResolve({ filter: /^[^./#]/ }, async (args) => {
            if (!PREBUNDLED.has(args.path)) return { path: args.path, external: true };
            if (!prebuilt.has(args.path)) prebuilt.set(args.path, packageBundle(root, args.path));
            const found = await prebuilt.get(args.path);
            if (!found) return { path: args.path, external: true };
            extraInputs.push(...found.inputs);
            return { path: pathToFileURL(found.file).href, external: true };
          });
        },
      },
      {
        name: 'own-import-meta',
        setup(b) {
          b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
            const source = await readFile(args.path, 'utf8');
            if (META_USE.test(source)) unsupported = true;
            const url = pathToFileURL(args.path);
            const contents = source
              .replaceAll('import.meta.url', JSON.stringify(url.href))
              .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path)))
              .replaceAll('import.meta.filename', JSON.stringify(args.path));
            return { contents, loader: LOADERS[path.extname(args.path)] ?? 'js' };
          });
        },
      },
    ],
  });
  if (unsupported) return undefined;
  const inputs: Record<string, string> = {};
  for (const abs of [...Object.keys(result.metafile.inputs).map((rel) => path.resolve(root, rel)), ...extraInputs]) {
    inputs[abs] = await signature(abs);
  }
  // The entry point's file, and the chunks it imports (their names carry their content's hash, so
  // the entry's content, which names them, changes with theirs).
  const entryOut = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint !== undefined)?.[0];
  const isEntry = (f: { path: string }) => entryOut !== undefined && path.resolve(root, entryOut) === f.path;
  const entry = result.outputFiles.find(isEntry);
  if (!entry) return undefined;
  const chunkFiles = result.outputFiles.filter((f) => f !== entry);
  const bundle = `${path.basename(meta, '.json')}-${sha256(asBuffer(entry.contents)).slice(0, 16)}.mjs`;
  const js = path.join(path.dirname(meta), bundle);
  // Atomic, the chunks and the bundle before the meta that names them: stage processes of one run
  // may build at once. Not fsynced: a bundle is derived, and made again whenever its sources change.
  for (const chunk of chunkFiles) await writeFileAtomic(chunk.path, asBuffer(chunk.contents), { sync: false });
  await writeFileAtomic(js, asBuffer(entry.contents), { sync: false });
  const chunks = chunkFiles.map((f) => path.basename(f.path));
  await writeFileAtomic(meta, JSON.stringify({ format: FORMAT, bundle, chunks, inputs } satisfies BundleMeta), { sync: false });
  await pruneSuperseded(meta, new Set([bundle, ...chunks]));
  return { js, chunks: chunkFiles.map((f) => f.path) };
}

/**
 * How long a superseded bundle's files stay: a stage process started before the rebuild imports its
 * bundle at once and its chunks when the stage asks (a training, at its start), so a day is ample.
 */
const SUPERSEDED_KEEP_MS = 24 * 3600 * 1000;

/**
 * Removes the files of this module's earlier bundles (named after the meta file, as its current
 * ones are) once they are a day old: every edit of a stage's sources makes a new bundle, and the
 * old ones were kept for ever (a few hundred KB each with their source maps). Best effort.
 */
async function pruneSuperseded(meta: string, current: Set<string>): Promise<void> {
  const dir = path.dirname(meta);
  const prefix = `${path.basename(meta, '.json')}-`;
  // Exactly this module's names (a bundle, a chunk): another module's name may start like this one's.
  const own = (name: string): boolean => name.startsWith(prefix) && /^(?:[0-9a-f]{16}|chunk-[0-9A-Z]{8})\.mjs$/.test(name.slice(prefix.length));
  try {
    for (const name of await readdir(dir)) {
      if (!own(name) || current.has(name)) continue;
      const file = path.join(dir, name);
      const st = await stat(file).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > SUPERSEDED_KEEP_MS) await rm(file, { force: true });
    }
  } catch {
    // a folder that cannot be listed costs disk space, never the run
  }
}

/**
 * The prebuilt file of the package `name` as the project at `root` resolves it, built first when
 * this install of it has none, and what a stage bundle that imports it records as inputs (the
 * file, and the package's package.json: an install rewrites it, so a new version rebuilds the
 * stage bundles, whose new file is keyed by it). Undefined when it cannot be built or written: the
 * package is then imported from node_modules.
 */
async function packageBundle(root: string, name: string): Promise<{ file: string; inputs: string[] } | undefined> {
  try {
    const manifest = createRequire(path.join(root, 'package.json')).resolve(`${name}/package.json`);
    const st = await stat(manifest);
    const key = sha256(`${FORMAT}\0${await realpath(manifest)}\0${st.size}:${st.mtimeMs}`).slice(0, 16);
    // node_modules/<name>/package.json -> node_modules/.cache/
    const cacheDir = path.join(path.dirname(manifest), ...name.split('/').map(() => '..'), '.cache', 'pipeline-stage-packages');
    const file = path.join(cacheDir, `${name.replaceAll('/', '+')}-${key}.mjs`);
    try {
      await stat(file);
    } catch {
      const { build: esbuild } = await import('esbuild');
      const spec = JSON.stringify(name);
      const result = await esbuild({
        stdin: { contents: `export * from ${spec};\nexport { default } from ${spec};\n`, resolveDir: root, loader: 'js' },
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        write: false,
        logLevel: 'silent',
      });
      await writeFileAtomic(file, asBuffer(result.outputFiles[0]!.contents), { sync: false });
    }
    return { file, inputs: [file, manifest] };
  } catch {
    return undefined;
  }
}

/**
 * The URL to import for the stage `module` of the project at `root`: its bundle (built or rebuilt
 * first when needed), or undefined when it cannot be bundled (then the source is imported through tsx).
 */
export async function stageBundle(root: string, module: string): Promise<string | undefined> {
  const meta = metaPath(root, module);
  let files: BundleFiles | undefined;
  try {
    files = (await current(meta)) ?? (await build(root, module, meta));
  } catch {
    return undefined;
  }
  if (!files) return undefined;
  // Stack traces of the stage's errors name its .ts sources and lines, as under tsx.
  for (const file of [files.js, ...files.chunks]) mapStackFrames(file);
  return pathToFileURL(files.js).href;
}

/**
 * Imports the stage `module` of the project at `root`: its plain-JS bundle when it has one (no tsx
 * in this process), else its source through tsx. The stage process and the plan's analysis (which
 * reads each stage's item schema) both import stages so: a plan analysed after an edit would
 * otherwise start tsx's hooks thread in the runner too.
 */
export async function importStageModule(root: string, module: string): Promise<unknown> {
  // Started under tsx (the engine run from source, as some tests do), there is nothing to save.
  const bundle = hasTypeScriptLoader() ? undefined : await stageBundle(root, module);
  if (bundle) return import(bundle);
  await ensureTypeScriptLoader();
  return import(pathToFileURL(path.join(root, module)).href);
}

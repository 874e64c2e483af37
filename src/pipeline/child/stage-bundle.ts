/**
 * A stage module and the project files it imports, bundled into one plain-JS file that a stage
 * process imports without tsx. Registering tsx's loader starts a hooks thread and routes every
 * later import through it: 0.4 s of CPU in each stage process, more than the toy stage itself.
 * The bundle sits under .pipeline/stage-bundles/ and is rebuilt when the content of any file in it
 * changed (each input is re-read and hashed: a stage's sources are small, and a stat can miss an
 * edit made within the same clock tick). Packages stay external, resolved from the project's
 * node_modules as before, except those of BUNDLED_PACKAGES; each file's `import.meta.url` is its
 * own source's, so code that finds files beside itself (the native addon, the report's
 * provenance) finds the same ones.
 * Anything the bundler cannot do falls back to importing the source through tsx, as before.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { mapStackFrames } from './stack-map.ts';
import { ensureTypeScriptLoader, hasTypeScriptLoader } from './typescript-loader.ts';

/** Bumped when the way a bundle is made changes: older bundles are rebuilt. */
const FORMAT = 3;

/**
 * Packages bundled into the stage's file rather than imported from node_modules. Every stage
 * imports zod for its schemas, and zod's ESM build is 96 modules (64 of them locales): resolving,
 * reading and compiling those took 90 ms of CPU in each stage process, more than a toy stage's
 * whole run. Bundled, only what the stage uses is kept (with `import * as z from 'zod'`; the named
 * `{ z }` is one object that holds everything), and it loads as part of one file.
 */
const BUNDLED_PACKAGES = /^zod(?:\/|$)/;

interface BundleMeta {
  format: number;
  /** The bundle's file name, beside this meta file (named by its content). */
  bundle: string;
  /**
   * Absolute path of each bundled source -> sha256 of its content; for a package's file (under
   * node_modules/), its size and modification time instead: packages change by installs, which
   * rewrite their files, and hashing a hundred of them at every stage start would cost what
   * bundling saves.
   */
  inputs: Record<string, string>;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

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

/** The bundle `meta` names, while every source in it is as it was bundled. */
async function current(meta: string): Promise<string | undefined> {
  try {
    const m = JSON.parse(await readFile(meta, 'utf8')) as BundleMeta;
    if (m.format !== FORMAT) return undefined;
    for (const [file, recorded] of Object.entries(m.inputs)) if ((await signature(file)) !== recorded) return undefined;
    return path.join(path.dirname(meta), m.bundle);
  } catch {
    return undefined;
  }
}

const LOADERS: Record<string, 'ts' | 'tsx' | 'js' | 'jsx'> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx' };

/** `import.meta` other than these three is left to tsx: a bundle could not keep its meaning. */
const META_USE = /import\.meta(?!\.(?:url|dirname|filename)\b)/;

async function build(root: string, module: string, meta: string): Promise<string | undefined> {
  const { build: esbuild } = await import('esbuild');
  let unsupported = false;
  const result = await esbuild({
    entryPoints: [path.join(root, module)],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    sourcesContent: false,
    // Where the bundle will be: the map names each source relative to it (stack-map.ts resolves them so).
    outdir: path.dirname(meta),
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        // Bare specifiers stay imports of the project's packages, but for BUNDLED_PACKAGES; the
        // package's own `#imports` are its files, bundled as before.
        name: 'external-packages',
        setup(b) {
          b.onResolve({ filter: /^[^./#]/ }, (args) => (BUNDLED_PACKAGES.test(args.path) ? undefined : { path: args.path, external: true }));
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
  for (const rel of Object.keys(result.metafile.inputs)) {
    const abs = path.resolve(root, rel);
    inputs[abs] = await signature(abs);
  }
  const code = result.outputFiles[0]!.contents;
  const bundle = `${path.basename(meta, '.json')}-${sha256(Buffer.from(code)).slice(0, 16)}.mjs`;
  const js = path.join(path.dirname(meta), bundle);
  await mkdir(path.dirname(meta), { recursive: true });
  // Atomic, the bundle before the meta that names it: stage processes of one run may build at once.
  const suffix = `.${process.pid}.tmp`;
  await writeFile(js + suffix, code);
  await rename(js + suffix, js);
  await writeFile(meta + suffix, JSON.stringify({ format: FORMAT, bundle, inputs } satisfies BundleMeta));
  await rename(meta + suffix, meta);
  return js;
}

/**
 * The URL to import for the stage `module` of the project at `root`: its bundle (built or rebuilt
 * first when needed), or undefined when it cannot be bundled (then the source is imported through tsx).
 */
export async function stageBundle(root: string, module: string): Promise<string | undefined> {
  const meta = metaPath(root, module);
  let js: string | undefined;
  try {
    js = (await current(meta)) ?? (await build(root, module, meta));
  } catch {
    return undefined;
  }
  if (!js) return undefined;
  // Stack traces of the stage's errors name its .ts sources and lines, as under tsx.
  mapStackFrames(js);
  return pathToFileURL(js).href;
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

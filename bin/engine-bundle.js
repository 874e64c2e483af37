// Bundles the runner (src/pipeline/) into dist/ with esbuild, and rebuilds it whenever one of its
// sources changed. A bundle loads in a fraction of the time of ~30 TypeScript modules compiled on
// the fly, which is most of the cost of an up-to-date `pipeline run`. Plain JS: it runs first.
import { readdirSync, statSync, readFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = path.join(REPO, 'src/pipeline');
const DIST = path.join(REPO, 'dist');
const MANIFEST = path.join(DIST, 'engine-manifest.json');
const ENTRIES = { cli: 'src/pipeline/cli.ts', child: 'src/pipeline/child.ts', 'slurm-job': 'src/pipeline/executors/slurm/job-entry.ts' };

function sourceStamp() {
  const stamp = {};
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.name.endsWith('.ts')) {
        const st = statSync(abs);
        stamp[path.relative(REPO, abs)] = `${st.size}:${st.mtimeMs}`;
      }
    }
  };
  walk(SOURCES);
  return JSON.stringify(stamp);
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
      entryPoints: ENTRIES,
      absWorkingDir: REPO,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outdir: DIST,
      outExtension: { '.js': '.mjs' },
      write: false,
      logLevel: 'error',
    });
    mkdirSync(DIST, { recursive: true });
    // Atomic writes: two runs starting at once may both rebuild; each reader sees a whole file.
    for (const file of result.outputFiles) {
      const tmp = `${file.path}.${process.pid}.tmp`;
      writeFileSync(tmp, file.contents);
      renameSync(tmp, file.path);
    }
    const tmp = `${MANIFEST}.${process.pid}.tmp`;
    writeFileSync(tmp, stamp);
    renameSync(tmp, MANIFEST);
  }
  return path.join(DIST, 'cli.mjs');
}

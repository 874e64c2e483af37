/**
 * The analyzed plan, remembered in .pipeline/plan.json under a key made of everything analysis
 * reads: pipeline.yaml, every file under configs/, the stage modules and what they import, the
 * command-line options and the runner itself. An up-to-date run with an unchanged key skips YAML
 * parsing, validation and importing stage modules (which may pull in tfjs) altogether.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, sha256, type Hasher } from '../fingerprint.ts';
import { writeFileAtomic } from '../fs-atomic.ts';
import { filesUnder } from '../fs-walk.ts';
import type { Plan } from '../plan.ts';
import { stateDirs } from '../state-dirs.ts';
import { analyze } from './analyze.ts';
import { CONFIG_DIR, type ConfigOptions } from './configs.ts';
import { PIPELINE_FILE } from './pipeline-schema.ts';

interface CachedPlan {
  key: string;
  codeFiles: string[];
  plan: Plan;
}

export async function loadPlan(root: string, opts: ConfigOptions, hasher: Hasher): Promise<Plan> {
  const file = path.join(stateDirs(root).base, 'plan.json');
  let cached: CachedPlan | undefined;
  try {
    cached = JSON.parse(await readFile(file, 'utf8')) as CachedPlan;
  } catch {
    // none yet, or unreadable: analyze
  }
  if (cached && cached.plan?.root === root && Array.isArray(cached.codeFiles)) {
    if ((await planKey(root, opts, hasher, cached.codeFiles)) === cached.key) return cached.plan;
  }
  const plan = await analyze(root, opts);
  const codeFiles = [...new Set(plan.instances.flatMap((i) => i.codeFiles))].sort();
  const key = await planKey(root, opts, hasher, codeFiles);
  await writeFileAtomic(file, JSON.stringify({ key, codeFiles, plan } satisfies CachedPlan));
  return plan;
}

async function planKey(root: string, opts: ConfigOptions, hasher: Hasher, codeFiles: string[]): Promise<string> {
  const files: Record<string, string> = {};
  for (const rel of [PIPELINE_FILE, ...(await filesUnder(path.join(root, CONFIG_DIR))).map((f) => `${CONFIG_DIR}/${f}`), ...codeFiles]) {
    files[rel] = (await hasher.hashPath(rel))?.hash ?? 'missing';
  }
  // Bundled (dist/), the build's manifest is rewritten whenever any engine source changed; the
  // chunk holding this module changes only with the modules bundled into it.
  const here = fileURLToPath(import.meta.url);
  const self = here.endsWith('.mjs') ? path.join(path.dirname(here), 'engine-manifest.json') : here;
  const st = await stat(self);
  return sha256(
    canonicalJson({
      runner: `${self}:${st.size}:${st.mtimeMs}`,
      profile: opts.profile ?? null,
      sets: opts.sets ?? [],
      files,
    }),
  );
}

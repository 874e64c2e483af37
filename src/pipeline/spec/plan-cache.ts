/**
 * The analyzed plan, remembered in .pipeline/plan.json under a key made of everything analysis
 * reads: pipeline.yaml, every file under configs/, the stage modules and what they import, the
 * command-line options and the runner itself. An up-to-date run with an unchanged key skips YAML
 * parsing, validation and importing stage modules (which may pull in tfjs) altogether.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, sha256, type Hasher } from '../plan/fingerprint.ts';
import { writeFileAtomic } from '../fs/atomic.ts';
import { filesUnder } from '../fs/walk.ts';
import type { Plan } from '../plan/plan.ts';
import { stateDirs } from '../state/dirs.ts';
import { analyze } from './analyze.ts';
import { CONFIG_DIR, type ConfigOptions } from './configs.ts';
import { PIPELINE_FILE } from './pipeline-schema.ts';

/** Bumped when the file's shape changes: an older cache is analyzed again. */
const FORMAT = 2;

/**
 * The plan as stored: each instance's code files as an index into `codeLists`. The instances of
 * one stage share one list (a train instance's is ~60 paths), which was 15 of the 24 MB of a
 * 10,000-instance plan; read back, they share one array.
 */
interface CachedPlan {
  format: typeof FORMAT;
  key: string;
  codeFiles: string[];
  codeLists: string[][];
  plan: Omit<Plan, 'instances'> & { instances: Array<Omit<Plan['instances'][number], 'codeFiles'> & { codeFiles: number }> };
}

function toCached(plan: Plan, key: string, codeFiles: string[]): CachedPlan {
  const codeLists: string[][] = [];
  const index = new Map<string, number>();
  const instances = plan.instances.map((inst) => {
    const k = inst.codeFiles.join('\n');
    let n = index.get(k);
    if (n === undefined) index.set(k, (n = codeLists.push(inst.codeFiles) - 1));
    return { ...inst, codeFiles: n };
  });
  return { format: FORMAT, key, codeFiles, codeLists, plan: { ...plan, instances } };
}

function fromCached(cached: CachedPlan): Plan {
  return { ...cached.plan, instances: cached.plan.instances.map((inst) => ({ ...inst, codeFiles: cached.codeLists[inst.codeFiles]! })) };
}

export async function loadPlan(root: string, opts: ConfigOptions, hasher: Hasher): Promise<Plan> {
  const file = path.join(stateDirs(root).base, 'plan.json');
  let cached: CachedPlan | undefined;
  try {
    cached = JSON.parse(await readFile(file, 'utf8')) as CachedPlan;
  } catch {
    // none yet, or unreadable: analyze
  }
  if (cached?.format === FORMAT && cached.plan?.root === root && Array.isArray(cached.codeFiles)) {
    if ((await planKey(root, opts, hasher, cached.codeFiles)) === cached.key) return fromCached(cached);
  }
  const plan = await analyze(root, opts);
  const codeFiles = [...new Set(plan.instances.flatMap((i) => i.codeFiles))].sort();
  const key = await planKey(root, opts, hasher, codeFiles);
  await writeFileAtomic(file, JSON.stringify(toCached(plan, key, codeFiles)));
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
  const self = /\.[cm]js$/.test(here) ? path.join(path.dirname(here), 'engine-manifest.json') : here;
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

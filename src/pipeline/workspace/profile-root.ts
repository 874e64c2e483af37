/**
 * A profile runs in a workspace of its own: `--profile quick` works in profiles/quick/, whose
 * sources (pipeline.yaml, configs/, stages/, src/, ...) are links to the project's, while its
 * outputs, its pipeline.lock and its runner state are its own. So a quick check never replaces the
 * committed results of the default configuration, and `git commit -a` after one loses nothing.
 * The run-cache is shared (linked), so results one profile computed restore in another.
 */
import { lstat, mkdir, readdir, readlink, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { Lock } from '../state/lock.ts';
import { isInside } from '../fs/safe-path.ts';
import { declared, PipelineSpecSchema } from '../spec/pipeline-schema.ts';
import { ProjectFile } from '../spec/project-file.ts';

export const PROFILES_DIR = 'profiles';
/** Top-level entries that belong to one workspace and are never shared with a profile's. */
const OWN = new Set(['.git', '.pipeline', PROFILES_DIR, 'pipeline.lock']);
const DEFAULT_CACHE = 'artifacts/cache';

/**
 * The profile's workspace root, created or brought up to date. An unknown profile gets none: the
 * project root is returned and analysis reports the missing profile file, with what exists.
 */
export async function profileRoot(root: string, profile: string): Promise<string> {
  const overlay = path.join(root, 'configs', 'profiles', `${profile}.yaml`);
  if (!/^[\w.-]+$/.test(profile) || !(await exists(overlay))) return root;
  const own = path.join(root, PROFILES_DIR, profile);
  const { outs, cache } = await outputLayout(root);
  // The cache is placed like an out (its folders real, the cache itself linked below), so the
  // layout does not depend on whether the project's cache existed when the profile first ran.
  await mirror(root, own, '', [...outs, cache]);
  // The run-cache is shared through a link, made even before the project's cache exists (then
  // it dangles until ensureSharedCache, once the plan is valid: a bad config creates nothing).
  if (!path.isAbsolute(cache) && !cache.split('/').includes('..') && !(await throughLink(own, path.posix.dirname(cache)))) {
    await mkdir(path.dirname(path.join(own, cache)), { recursive: true });
    await ensureLink(path.join(own, cache), path.join(root, cache));
  }
  return own;
}

/**
 * Whether `profile` exists (its configs/profiles file) but has no workspace yet: a command that
 * only reads (status, dag) then answers from the project without making profiles/NAME/.
 */
export async function profileNotRunYet(root: string, profile: string): Promise<boolean> {
  if (!/^[\w.-]+$/.test(profile) || !(await exists(path.join(root, 'configs', 'profiles', `${profile}.yaml`)))) return false;
  return !(await exists(path.join(root, PROFILES_DIR, profile)));
}

/** What status says of a profile that never ran here (see profileNotRunYet). */
export function notRunYetStatus(profile: string, instances: number): string {
  const where = `${PROFILES_DIR}/${profile}/`;
  return (
    `profile ${profile} has not run here (${where} does not exist): all ${instances} instances are stale\n` +
    `  \`pipeline run --profile ${profile}\` makes ${where} and restores what the shared run-cache has\n`
  );
}

/** Whether `rel` (or a folder above it) is a link in the workspace: what lies below is shared already. */
async function throughLink(own: string, rel: string): Promise<boolean> {
  let at = own;
  for (const part of rel.split('/').filter((p) => p && p !== '.')) {
    at = path.join(at, part);
    try {
      if ((await lstat(at)).isSymbolicLink()) return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }
  return false;
}

/** Creates the shared run-cache a profile's workspace links to, if it does not exist yet. */
export async function ensureSharedCache(cacheDir: string): Promise<void> {
  let target: string;
  try {
    target = path.resolve(path.dirname(cacheDir), await readlink(cacheDir));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EINVAL' || code === 'ENOENT') return; // a plain directory, or none yet: made as usual
    throw e;
  }
  await mkdir(target, { recursive: true });
}

/**
 * Links every entry of the project under `rel` into the profile's workspace, except outputs (the
 * profile makes its own) and the workspace's own state; a directory that holds outputs deeper
 * down becomes a real directory whose other entries are linked in turn.
 */
async function mirror(root: string, own: string, rel: string, outs: string[]): Promise<void> {
  // A folder an earlier version linked whole, which must now hold outputs of its own.
  if (rel && (await lstat(path.join(own, rel)).catch(() => undefined))?.isSymbolicLink()) await rm(path.join(own, rel));
  await mkdir(path.join(own, rel), { recursive: true });
  const shared = new Set<string>();
  for (const entry of await readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if ((!rel && OWN.has(entry.name)) || outs.some((o) => isInside(child, o))) continue;
    if (entry.isDirectory() && outs.some((o) => isInside(o, child))) await mirror(root, own, child, outs);
    else {
      shared.add(entry.name);
      await ensureLink(path.join(own, child), path.join(root, child));
    }
  }
  // Links to entries the project no longer has would resolve to nothing; drop them.
  for (const name of await readdir(path.join(own, rel))) {
    const abs = path.join(own, rel, name);
    if (!shared.has(name) && (await lstat(abs)).isSymbolicLink()) await rm(abs);
  }
}

/** The locks of every profile workspace under the project (for gc of the shared run-cache). */
export async function profileLocks(root: string): Promise<Lock[]> {
  let names: string[];
  try {
    names = await readdir(path.join(root, PROFILES_DIR));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return Promise.all(names.sort().map((name) => Lock.open(path.join(root, PROFILES_DIR, name))));
}

/**
 * Every declared out, up to its first templated segment (`artifacts/models/${id}` stands for
 * artifacts/models/, where all its instances' outputs go), and the cache path, from pipeline.yaml.
 */
async function outputLayout(root: string): Promise<{ outs: string[]; cache: string }> {
  const read = await ProjectFile.read(root);
  const spec = read.ok ? read.value.whole(PipelineSpecSchema) : read;
  // Unreadable or invalid: analysis, which runs next, reports it with its location.
  if (!spec.ok) return { outs: [], cache: DEFAULT_CACHE };
  const outs = Object.values(spec.value.stages).flatMap((stage) => declared(stage.outs).map((o) => staticPart(o.path)));
  return { outs: outs.filter((o) => o !== ''), cache: spec.value.cache };
}

/** The folders of a path before any `${...}` segment. */
function staticPart(out: string): string {
  const segments = path.posix.normalize(out).split('/');
  const templated = segments.findIndex((s) => s.includes('${'));
  return (templated < 0 ? segments : segments.slice(0, templated)).join('/').replace(/\/+$/, '');
}

async function ensureLink(link: string, target: string): Promise<void> {
  const rel = path.relative(path.dirname(link), target);
  try {
    if ((await readlink(link)) === rel) return;
    await rm(link);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EINVAL') throw new Error(`${link} exists and is not a link; remove it to use the profile`);
    if (code !== 'ENOENT') throw e;
  }
  await symlink(rel, link);
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/**
 * Where a command works: the project root, and the profile whose workspace it reads or runs in.
 * A command started inside profiles/NAME/ works on that profile as if given --profile NAME, so a
 * newcomer who changed into the profile's folder gets the profile's answers, not the default
 * configuration planned in the wrong place.
 */
import path from 'node:path';
import type { CommandArgs, Io } from '../command-kit.ts';
import { UserError } from '../../errors.ts';
import { Hasher } from '../../plan/fingerprint.ts';
import { pathExists } from '../../fs/missing.ts';
import { selectInstances, type Plan } from '../../plan/plan.ts';
import { ensureSharedCache, PROFILES_DIR, profileNotRunYet, profileRoot } from '../../workspace/profile-root.ts';
import { analyze } from '../../spec/analyze.ts';
import { loadPlan } from '../../spec/plan-cache.ts';
import { stateDirs } from '../../state/dirs.ts';

export interface Place {
  projectRoot: string;
  profile: string | undefined;
}

export async function locate(cwd: string, profileOption: string | undefined): Promise<Place> {
  const parent = path.dirname(cwd);
  const name = path.basename(cwd);
  if (path.basename(parent) === PROFILES_DIR) {
    const projectRoot = path.dirname(parent);
    if (await pathExists(path.join(projectRoot, 'configs', 'profiles', `${name}.yaml`))) {
      if (profileOption !== undefined && profileOption !== name)
        throw new UserError([{ field: '--profile', message: `"${profileOption}" given inside ${PROFILES_DIR}/${name}/, the workspace of profile "${name}"` }]);
      return { projectRoot, profile: name };
    }
  }
  return { projectRoot: cwd, profile: profileOption };
}

/** The workspace a profile's runs are recorded in, without creating it (read commands). */
export async function existingWorkspace(place: Place): Promise<string> {
  if (place.profile === undefined) return place.projectRoot;
  const own = path.join(place.projectRoot, PROFILES_DIR, place.profile);
  if (!(await pathExists(path.join(place.projectRoot, 'configs', 'profiles', `${place.profile}.yaml`))))
    throw new UserError([{ field: '--profile', message: `no profile "${place.profile}" (configs/profiles/${place.profile}.yaml does not exist)` }]);
  if (!(await pathExists(own)))
    throw new UserError([
      {
        field: '--profile',
        message: `profile "${place.profile}" has not run here (no ${PROFILES_DIR}/${place.profile}/); run \`pipeline run --profile ${place.profile}\``,
      },
    ]);
  return own;
}

/**
 * For a read command (status, dag) under a profile that never ran here: the plan, analyzed from
 * the project's own files and cached nowhere, so that reading makes no profiles/NAME/. Undefined
 * otherwise (the command opens the workspace as usual).
 */
export async function planOfUnrunProfile(
  args: CommandArgs,
  io: Io,
): Promise<{ profile: string; projectRoot: string; plan: Plan; selected: Set<string> | undefined } | undefined> {
  const place = await locate(args.cwd, args.values.profile);
  if (place.profile === undefined || !(await profileNotRunYet(place.projectRoot, place.profile))) return undefined;
  const plan = await analyze(place.projectRoot, { profile: place.profile, sets: args.values.set });
  warnOldSpellings(plan, io);
  return { profile: place.profile, projectRoot: place.projectRoot, plan, selected: selectedBy(plan, args.positionals) };
}

export interface OpenProject extends Place {
  /** Where the plan runs: the project root, or the profile's workspace. */
  root: string;
  plan: Plan;
  hasher: Hasher;
  /** The instances the positionals name, with what they depend on; undefined: all. */
  selected: Set<string> | undefined;
}

/** The plan of the workspace the command works on, and the instances its arguments select. */
export async function openProject(args: CommandArgs, io: Io, opts: { sharedRoot?: boolean } = {}): Promise<OpenProject> {
  const place = await locate(args.cwd, args.values.profile);
  // gc serves every workspace that shares the run-cache, so it starts from the project's.
  const profile = opts.sharedRoot ? undefined : place.profile;
  const root = profile !== undefined ? await profileRoot(place.projectRoot, profile) : place.projectRoot;
  const hasher = await Hasher.open(root, stateDirs(root).hashes);
  const plan = await loadPlan(root, { profile, sets: args.values.set }, hasher);
  warnOldSpellings(plan, io);
  if (root !== place.projectRoot) await ensureSharedCache(plan.cacheDir);
  return { ...place, root, plan, hasher, selected: selectedBy(plan, args.positionals) };
}

/** One line per file that still uses a spelling this release renamed (it plans as before). */
function warnOldSpellings(plan: Plan, io: Io): void {
  for (const line of plan.deprecations ?? []) io.err(`pipeline: ${line}\n`);
}

/** The instances the positionals name, with what they depend on; undefined: all. */
function selectedBy(plan: Plan, targets: string[]): Set<string> | undefined {
  const { selected, unknown } = targets.length > 0 ? selectInstances(plan, targets) : { selected: undefined, unknown: [] };
  if (unknown.length > 0) {
    throw new UserError(unknown.map((t) => ({ field: 'stage', message: `no stage or instance "${t}" (see \`pipeline dag\`)` })));
  }
  return selected;
}

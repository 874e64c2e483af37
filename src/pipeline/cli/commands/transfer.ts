/** `pipeline push|fetch|pull`, and the remote side of `status --remote` and `gc --remote`. */
import path from 'node:path';
import type { CommandArgs, Io } from '../command-kit.ts';
import { UserError } from '../../errors.ts';
import { pathExists } from '../../fs/missing.ts';
import { LOCK_FILE } from '../../state/lock.ts';
import { PROFILES_DIR } from '../../workspace/profile-root.ts';
import { transferCommand } from '../../remote/commands.ts';
import { locate, openProject, type OpenProject, type Place } from './workspace.ts';

export async function transferVerb(args: CommandArgs, io: Io): Promise<number> {
  const verb = args.command as 'push' | 'fetch' | 'pull';
  await refuseUnrunProfile(verb, await locate(args.cwd, args.values.profile));
  return remoteVerb(verb, await openProject(args, io), args, io);
}

/**
 * A profile's lock is its workspace's own and not in git, so a clone that never ran the profile
 * has nothing to transfer for it; without this the command did nothing and said nothing. Checked
 * before the workspace is opened, which would create it. An unknown profile is left to the plan,
 * which names the profiles that exist.
 */
async function refuseUnrunProfile(verb: 'push' | 'fetch' | 'pull', place: Place): Promise<void> {
  const { projectRoot, profile } = place;
  if (profile === undefined || !(await pathExists(path.join(projectRoot, 'configs', 'profiles', `${profile}.yaml`)))) return;
  const lock = `${PROFILES_DIR}/${profile}/${LOCK_FILE}`;
  if (await pathExists(path.join(projectRoot, lock))) return;
  const what =
    verb === 'push'
      ? `profile "${profile}" has not run here (no ${lock}), so there is nothing to push: run \`pipeline run --profile ${profile}\` first`
      : `profile "${profile}" has no ${lock} here: profile locks are not in git, so there is nothing to ${verb}; ` +
        `\`pipeline run --profile ${profile}\` restores each instance the remote run-cache holds instead of computing it ` +
        `(or copy ${lock} from the clone that ran it)`;
  throw new UserError([{ field: '--profile', message: what }]);
}

export function remoteVerb(verb: 'push' | 'fetch' | 'pull' | 'status' | 'gc', project: OpenProject, args: CommandArgs, io: Io): Promise<number> {
  const v = args.values;
  return transferCommand(
    verb,
    project.plan,
    project.hasher,
    project.selected,
    {
      // Under --profile the plan's root is the profile's workspace, which has no remotes of its own.
      configRoot: project.projectRoot,
      remoteName: v['remote-name'],
      jobs: v.jobs,
      verify: v.verify,
      quiet: v.quiet,
      json: v.json,
      keepDays: v['keep-days'],
      dryRun: v['dry-run'],
    },
    io,
  );
}

/** `pipeline push|fetch|pull`, and the remote side of `status --remote` and `gc --remote`. */
import type { CommandArgs, Io } from '../command-kit.ts';
import { transferCommand } from '../remote/commands.ts';
import { openProject, type OpenProject } from './workspace.ts';

export async function transferVerb(args: CommandArgs, io: Io): Promise<number> {
  return remoteVerb(args.command as 'push' | 'fetch' | 'pull', await openProject(args, io), args, io);
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

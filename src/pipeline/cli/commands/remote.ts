/** `pipeline remote add|list|remove`: the remotes of pipeline.yaml and .pipeline/config.yaml. */
import { lineOf, type CommandArgs, type Io } from '../command-kit.ts';
import { remoteCommand } from '../../remote/config-commands.ts';
import { locate } from './workspace.ts';

export async function remoteConfigCommand(args: CommandArgs, io: Io): Promise<number> {
  const v = args.values;
  const { projectRoot } = await locate(args.cwd, undefined);
  const sub = args.command.split(' ')[1]!;
  const options = { project: v.project, makeDefault: v.default, create: v.create, endpoint: v.endpoint, pathStyle: v['path-style'], region: v.region };
  return remoteCommand(projectRoot, [sub, ...args.positionals], options, lineOf(io.out));
}

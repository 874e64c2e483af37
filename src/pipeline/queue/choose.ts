/**
 * Which executor `pipeline run` uses: --executor, else `executor:` in .pipeline/config.yaml, else
 * local. The queue one needs a Redis server (--redis or queue.redis) and a remote, the only
 * things a coordinator and its workers share.
 */
import { UserError } from '../errors.ts';
import type { Hasher } from '../fingerprint.ts';
import { readLocalConfig } from '../local-config.ts';
import type { Plan } from '../plan.ts';
import { chooseRemote, loadRemoteConfig } from '../remote/config.ts';
import { openUsableStore } from '../remote/open.ts';
import type { StageExecutor } from '../executors/executor.ts';
import { queueSettings } from './settings.ts';

export interface ExecutorArgs {
  executor: string | undefined;
  redis: string | undefined;
  remoteName: string | undefined;
  noRemote: boolean;
  force: boolean;
  profile: string | undefined;
  sets: string[];
}

/** undefined: the local executor (execute() makes it with --jobs). */
export async function chooseExecutor(projectRoot: string, plan: Plan, hasher: Hasher, args: ExecutorArgs): Promise<StageExecutor | undefined> {
  if (args.executor !== undefined && args.executor !== 'local' && args.executor !== 'queue' && args.executor !== 'slurm') {
    throw new UserError([{ field: '--executor', message: `must be local, queue or slurm, got "${args.executor}"` }]);
  }
  const local = await readLocalConfig(projectRoot);
  const kind = args.executor ?? local.executor ?? 'local';
  if (kind !== 'queue' && args.redis !== undefined) throw new UserError([{ field: '--redis', message: 'is for the queue executor: add --executor queue' }]);
  if (kind === 'local') return undefined;
  if (kind === 'slurm') return (await import('../executors/slurm/choose.ts')).openSlurmExecutor(plan, hasher, local.slurm);
  const settings = queueSettings(local.queue, args.redis, 'run --executor queue');
  if (args.noRemote) throw new UserError([{ field: '--no-remote', message: 'the queue executor needs the remote: workers send their outputs through it' }]);
  const remote = chooseRemote(projectRoot, await loadRemoteConfig(projectRoot), args.remoteName, false);
  if (!remote)
    throw new UserError([
      {
        message:
          'the queue executor needs a remote that every worker can reach: run `pipeline remote add -d NAME URL` (an s3:// URL, or a directory they all mount)',
      },
    ]);
  const store = await openUsableStore(remote);
  try {
    const { QueueExecutor } = await import('./coordinator.ts');
    return await QueueExecutor.open({ plan, hasher, store, settings, force: args.force, profile: args.profile, sets: args.sets });
  } catch (e) {
    store.close();
    throw e;
  }
}

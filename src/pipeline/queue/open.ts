/**
 * `--executor queue` (or `executor: queue` in .pipeline/config.yaml): it needs a Redis server
 * (--redis or queue.redis) and a remote, the only things a coordinator and its workers share.
 */
import { UserError } from '../errors.ts';
import type { OpenContext } from '../executors/declaration.ts';
import type { StageExecutor } from '../executors/executor.ts';
import { chooseRemote, loadRemoteConfig } from '../remote/config.ts';
import { openUsableStore } from '../remote/open.ts';
import { queueSettings, type QueueSection } from './settings.ts';

export async function openQueueExecutor(ctx: OpenContext): Promise<StageExecutor> {
  const { projectRoot, plan, hasher, values } = ctx;
  const settings = queueSettings(ctx.sections.local as QueueSection | undefined, values.redis, 'run --executor queue');
  if (values['no-remote'])
    throw new UserError([{ field: '--no-remote', message: 'the queue executor needs the remote: workers send their outputs through it' }]);
  const remote = chooseRemote(projectRoot, await loadRemoteConfig(projectRoot), values['remote-name'], false);
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
    return await QueueExecutor.open({ plan, hasher, store, settings, force: values.force, profile: ctx.profile, sets: values.set });
  } catch (e) {
    store.close();
    throw e;
  }
}

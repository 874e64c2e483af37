/**
 * `--executor slurm` (or `executor: slurm` in .pipeline/config.yaml): the settings of both files
 * merged and checked against the plan (a `slurm.stages` entry that names no stage or instance is a
 * typo, reported with the file and field, exit 2), then the executor, which proves the
 * controller answers.
 */
import { UserError } from '../../errors.ts';
import { LOCAL_CONFIG_FILE } from '../../workspace/local-config.ts';
import { PIPELINE_FILE } from '../../spec/project-file.ts';
import type { OpenContext } from '../declaration.ts';
import { RemoteExchange } from '../../queue/exchange.ts';
import { chooseRemote, loadRemoteConfig } from '../../remote/config.ts';
import { openUsableStore } from '../../remote/open.ts';
import { SlurmExecutor, type SlurmExecutorOptions } from './executor.ts';
import { slurmSettings, type Resources, type SlurmSection, type SlurmSettings } from './settings.ts';

export async function openSlurmExecutor(ctx: OpenContext): Promise<SlurmExecutor> {
  const { plan, hasher } = ctx;
  // Each checked by its schema when its file was read (the registry's schema for `slurm:`).
  const project = ctx.sections.project as SlurmSection | undefined;
  const local = ctx.sections.local as SlurmSection | undefined;
  const settings = slurmSettings({ project, local, stageResources: ctx.stageResources as Record<string, Resources> });
  const nice = ctx.values.nice;
  if (nice !== undefined) {
    const n = Number(nice);
    if (!/^\d+$/.test(nice) || n > 10_000) throw new UserError([{ field: '--nice', message: `must be an integer from 0 to 10000, got "${nice}"` }]);
    settings.nice = n;
  }
  const names = new Set(plan.instances.flatMap((i) => [i.stage, i.id]));
  const unknown = [
    ...Object.keys(project?.stages ?? {}).map((k) => [PIPELINE_FILE, k] as const),
    ...Object.keys(local?.stages ?? {}).map((k) => [LOCAL_CONFIG_FILE, k] as const),
  ].filter(([, k]) => !names.has(k));
  if (unknown.length > 0) {
    throw new UserError(
      unknown.map(([file, k]) => ({ field: `${file}: slurm.stages.${k}`, message: `no stage or instance "${k}" in the pipeline (see \`pipeline dag\`)` })),
    );
  }
  if (settings.poll_max_seconds < settings.poll_min_seconds) {
    const file = local?.poll_max_seconds !== undefined || local?.poll_min_seconds !== undefined ? LOCAL_CONFIG_FILE : PIPELINE_FILE;
    throw new UserError([{ field: `${file}: slurm.poll_max_seconds`, message: `must be at least poll_min_seconds (${settings.poll_min_seconds})` }]);
  }
  if (settings.shared_fs) return SlurmExecutor.open({ plan, hasher, settings });
  const remote = await throughRemote(ctx, settings, local);
  try {
    return await SlurmExecutor.open({ plan, hasher, settings, remote });
  } catch (e) {
    remote.store.close();
    throw e;
  }
}

/** Without a shared file system: the checkout on the nodes and the remote the jobs work through. */
async function throughRemote(ctx: OpenContext, settings: SlurmSettings, local: SlurmSection | undefined): Promise<NonNullable<SlurmExecutorOptions['remote']>> {
  const file = local?.shared_fs === false ? LOCAL_CONFIG_FILE : PIPELINE_FILE;
  if (!settings.checkout)
    throw new UserError([{ field: `${file}: slurm.checkout`, message: "shared_fs: false needs the project's checkout on the nodes (an absolute path)" }]);
  if (ctx.values['no-remote'])
    throw new UserError([
      { field: '--no-remote', message: 'slurm.shared_fs: false needs the remote: jobs receive their deps and send their outputs through it' },
    ]);
  const remote = chooseRemote(ctx.projectRoot, await loadRemoteConfig(ctx.projectRoot), ctx.values['remote-name'], false);
  if (!remote)
    throw new UserError([
      {
        message:
          'slurm.shared_fs: false needs a remote that the nodes can reach: run `pipeline remote add -d NAME URL` (an s3:// URL, or a directory they all mount)',
      },
    ]);
  const store = await openUsableStore(remote);
  const exchange = new RemoteExchange({ plan: ctx.plan, hasher: ctx.hasher, store, force: ctx.values.force, profile: ctx.profile, sets: ctx.values.set });
  // A remote from $PIPELINE_REMOTE is found again the same way on the node (sbatch passes the environment on).
  return { store, exchange, checkout: settings.checkout, remoteName: remote.scope === 'env' ? undefined : remote.name };
}

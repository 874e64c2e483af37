/**
 * `--executor slurm` (or `executor: slurm` in .pipeline/config.yaml): the settings of both files
 * merged and checked against the plan (a `slurm.stages` entry that names no stage or instance is a
 * typo, reported with the file and field, exit 2), then the executor, which proves the
 * controller answers.
 */
import { UserError } from '../../errors.ts';
import { LOCAL_CONFIG_FILE } from '../../local-config.ts';
import { PIPELINE_FILE } from '../../spec/project-file.ts';
import type { OpenContext } from '../declaration.ts';
import { SlurmExecutor } from './executor.ts';
import { slurmSettings, type Resources, type SlurmSection } from './settings.ts';

export async function openSlurmExecutor(ctx: OpenContext): Promise<SlurmExecutor> {
  const { plan, hasher } = ctx;
  // Each checked by its schema when its file was read (the registry's schema for `slurm:`).
  const project = ctx.sections.project as SlurmSection | undefined;
  const local = ctx.sections.local as SlurmSection | undefined;
  const settings = slurmSettings({ project, local, stageResources: ctx.stageResources as Record<string, Resources> });
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
  return SlurmExecutor.open({ plan, hasher, settings });
}

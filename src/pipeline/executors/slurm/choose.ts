/**
 * `--executor slurm` (or `executor: slurm` in .pipeline/config.yaml): the settings checked
 * against the plan (a `slurm.stages` entry that names no stage or instance is a typo, reported
 * with the file and field, exit 2), then the executor, which proves the controller answers.
 */
import { UserError } from '../../errors.ts';
import type { Hasher } from '../../fingerprint.ts';
import { LOCAL_CONFIG_FILE } from '../../local-config.ts';
import type { Plan } from '../../plan.ts';
import { SlurmExecutor } from './executor.ts';
import { DEFAULT_SLURM_SETTINGS, type SlurmSettings } from './settings.ts';

export async function openSlurmExecutor(plan: Plan, hasher: Hasher, section: SlurmSettings | undefined): Promise<SlurmExecutor> {
  const settings = section ?? DEFAULT_SLURM_SETTINGS;
  const names = new Set(plan.instances.flatMap((i) => [i.stage, i.id]));
  const unknown = Object.keys(settings.stages).filter((k) => !names.has(k));
  if (unknown.length > 0) {
    throw new UserError(
      unknown.map((k) => ({ field: `${LOCAL_CONFIG_FILE}: slurm.stages.${k}`, message: `no stage or instance "${k}" in the pipeline (see \`pipeline dag\`)` })),
    );
  }
  if (settings.poll_max_seconds < settings.poll_min_seconds) {
    throw new UserError([
      { field: `${LOCAL_CONFIG_FILE}: slurm.poll_max_seconds`, message: `must be at least poll_min_seconds (${settings.poll_min_seconds})` },
    ]);
  }
  return SlurmExecutor.open({ plan, hasher, settings });
}

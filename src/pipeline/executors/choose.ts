/**
 * Which executor `pipeline run` uses: --executor, else `executor:` in .pipeline/config.yaml, else
 * local; then the registry's declaration makes it, with its sections from both files.
 */
import { UserError } from '../errors.ts';
import type { OptionValues } from '../cli/command-table.ts';
import type { Hasher } from '../plan/fingerprint.ts';
import { readLocalConfig } from '../workspace/local-config.ts';
import type { Plan } from '../plan/plan.ts';
import { ProjectFile, valueOrThrow } from '../spec/project-file.ts';
import type { StageExecutor } from './executor.ts';
import { readExecutorSections } from './project-sections.ts';
import { EXECUTOR_NAMES, EXECUTORS, findExecutor, orList } from './registry.ts';

/** undefined: the local executor (execute() makes it with --jobs). */
export async function chooseExecutor(
  projectRoot: string,
  plan: Plan,
  hasher: Hasher,
  values: OptionValues,
  profile: string | undefined,
): Promise<StageExecutor | undefined> {
  if (values.executor !== undefined && !findExecutor(values.executor)) {
    throw new UserError([{ field: '--executor', message: `must be ${orList(EXECUTOR_NAMES)}, got "${values.executor}"` }]);
  }
  const local = await readLocalConfig(projectRoot);
  const kind = values.executor ?? local.executor ?? 'local';
  for (const other of EXECUTORS) {
    if (other.name === kind || !('flags' in other)) continue;
    for (const flag of Object.keys(other.flags)) {
      const given = (values as Record<string, unknown>)[flag];
      if (given !== undefined && given !== false)
        throw new UserError([{ field: `--${flag}`, message: `is for the ${other.name} executor: add --executor ${other.name}` }]);
    }
  }
  const declaration = findExecutor(kind)!;
  const project = valueOrThrow(await readExecutorSections(valueOrThrow(await ProjectFile.read(plan.root))));
  return declaration.open({
    projectRoot,
    plan,
    hasher,
    sections: { project: project.sections[kind], local: local.sections[kind] },
    stageResources: project.stageResources,
    values,
    profile,
  });
}

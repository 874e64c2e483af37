/**
 * The executors' parts of pipeline.yaml: a top-level section per executor that may be committed
 * (`slurm:`), and a stage's `resources:`, whose keys are those the executors declare. Checked by
 * the plan (a misspelt key is one located line, exit 2, on any command) and read again by the
 * executor chosen for a run. Neither is part of any fingerprint: where an instance runs is not
 * what it computes.
 */
import * as z from 'zod';
import { fail, succeed, type Problem, type Result } from '../errors.ts';
import type { ProjectFile } from '../spec/project-file.ts';
import type { ExecutorSettings } from './declaration.ts';
import { EXECUTORS, executorSettings } from './registry.ts';

export interface ExecutorSections {
  /** Each executor's section, checked by its schema, by executor name (absent ones left out). */
  sections: Record<string, unknown>;
  /** Each stage's `resources:`, checked, by stage name (stages without one left out). */
  stageResources: Record<string, unknown>;
}

/** The top-level keys pipeline.yaml gives the executors (the plan's schema accepts them, this module checks them). */
export const PIPELINE_FILE_SECTIONS: string[] = EXECUTORS.filter((e) => 'inPipelineFile' in e && e.inPipelineFile).map((e) => e.name);

/** One `resources:` for every executor: the keys each declares, together. */
export function stageResourcesSchema(settings: Map<string, ExecutorSettings>): z.ZodObject {
  return z.strictObject(Object.assign({}, ...[...settings.values()].map((s) => s.stageResources?.shape ?? {})));
}

export async function readExecutorSections(file: ProjectFile): Promise<Result<ExecutorSections>> {
  const settings = await executorSettings();
  const problems: Problem[] = [];
  const sections: Record<string, unknown> = {};
  for (const name of PIPELINE_FILE_SECTIONS) {
    const schema = settings.get(name)?.section;
    if (!schema) continue;
    const read = file.section([name], schema);
    if (!read.ok) problems.push(...read.problems);
    else if (read.value !== undefined) sections[name] = read.value;
  }
  const resources = stageResourcesSchema(settings);
  const stageResources: Record<string, unknown> = {};
  const stages = file.raw(['stages']);
  for (const stage of stages !== null && typeof stages === 'object' ? Object.keys(stages) : []) {
    const read = file.section(['stages', stage, 'resources'], resources);
    if (!read.ok) problems.push(...read.problems);
    else if (read.value !== undefined) stageResources[stage] = read.value;
  }
  return problems.length > 0 ? fail(problems) : succeed({ sections, stageResources });
}

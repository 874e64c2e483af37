/** Reads the stages' `verify:` rules from pipeline.yaml (apart from rules.ts, which the pipeline schema imports). */
import path from 'node:path';
import { UserError } from '../errors.ts';
import { PIPELINE_FILE } from '../spec/pipeline-schema.ts';
import { readYaml } from '../spec/yaml-file.ts';
import { zodProblems } from '../spec/zod-problems.ts';
import { VerifyRulesSchema, type VerifyRule } from './rules.ts';

/**
 * Each stage's rules as pipeline.yaml declares them (beside its outs, where the paths are written).
 * They live there rather than in the stage module so that declaring one never changes the
 * module's code fingerprint, which would make every recorded instance stale.
 */
export async function declaredRules(root: string): Promise<Map<string, VerifyRule[]>> {
  const read = await readYaml(path.join(root, PIPELINE_FILE), PIPELINE_FILE);
  if (!read.ok) throw new UserError(read.problems);
  const yaml = read.value;
  const stages = (yaml.value as { stages?: Record<string, { verify?: unknown }> } | undefined)?.stages ?? {};
  const rules = new Map<string, VerifyRule[]>();
  for (const [name, spec] of Object.entries(stages)) {
    const parsed = VerifyRulesSchema.safeParse(spec?.verify ?? []);
    if (!parsed.success) throw new UserError(zodProblems(parsed.error, yaml.locate, ['stages', name, 'verify']));
    rules.set(name, parsed.data);
  }
  return rules;
}

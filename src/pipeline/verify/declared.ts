/** Reads the stages' `verify:` rules from pipeline.yaml (apart from rules.ts, which the pipeline schema imports). */
import { ProjectFile, valueOrThrow } from '../spec/project-file.ts';
import { VerifyRulesSchema, type VerifyRule } from './rules.ts';

/**
 * Each stage's rules as pipeline.yaml declares them (beside its outs, where the paths are written).
 * They live there rather than in the stage module so that declaring one never changes the
 * module's code fingerprint, which would make every recorded instance stale.
 */
export async function declaredRules(root: string): Promise<Map<string, VerifyRule[]>> {
  const project = valueOrThrow(await ProjectFile.read(root));
  const stages = project.raw(['stages']);
  const rules = new Map<string, VerifyRule[]>();
  for (const name of Object.keys(stages !== null && typeof stages === 'object' ? stages : {})) {
    rules.set(name, valueOrThrow(project.section(['stages', name, 'verify'], VerifyRulesSchema, [])) ?? []);
  }
  return rules;
}

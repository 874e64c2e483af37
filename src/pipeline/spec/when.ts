/**
 * `when:` on a stage: the stage is planned only when each named config key has the given value
 * (configs/search.yaml's strategy picks the full grid's stages or successive halving's). The plan
 * stays static: it depends on the configs alone, never on what a stage wrote. A config value
 * that no stage's `when:` names is a mistake (a misspelt strategy would silently plan neither),
 * reported where the value is set.
 */
import { fail, succeed, type Problem, type Result, type SourceLocation } from '../errors.ts';
import type { ConfigTree } from './configs.ts';
import type { StageSpec } from './pipeline-schema.ts';
import type { KeyPath } from './yaml-file.ts';
import { fieldName } from './zod-problems.ts';

export type WhenValue = NonNullable<StageSpec['when']>[string];

/** The names of the stages whose `when:` holds; any problem found fails it. */
export function enabledStages(stages: Record<string, StageSpec>, tree: ConfigTree, at: (p: KeyPath) => SourceLocation): Result<Set<string>> {
  const problems: Problem[] = [];
  const enabled = new Set<string>();
  /** key -> value as written -> stages that run on it, to name the choices in a problem. */
  const choices = new Map<string, Map<string, string[]>>();
  for (const [name, spec] of Object.entries(stages)) {
    let holds = true;
    for (const [key, value] of Object.entries(spec.when ?? {})) {
      const p = key.split('.');
      if (!tree.has(p)) {
        const where: KeyPath = ['stages', name, 'when', key];
        problems.push({ location: at(where), field: fieldName(where), message: `config key "${key}" is not set by any file under configs/` });
        holds = false;
        continue;
      }
      const byValue = choices.get(key) ?? new Map<string, string[]>();
      choices.set(key, byValue);
      byValue.set(show(value), [...(byValue.get(show(value)) ?? []), name]);
      if (tree.get(p) !== value) holds = false;
    }
    if (holds) enabled.add(name);
  }
  for (const [key, byValue] of choices) {
    const p = key.split('.');
    const actual = tree.get(p);
    if (byValue.has(show(actual as WhenValue))) continue;
    const options = [...byValue].map(([v, names]) => `${v} (${names.join(', ')})`).join(', ');
    problems.push({ location: tree.locate(p), field: key, message: `is ${show(actual as WhenValue)}, but pipeline.yaml plans stages only for: ${options}` });
  }
  return problems.length > 0 ? fail(problems) : succeed(enabled);
}

function show(v: WhenValue): string {
  return JSON.stringify(v);
}

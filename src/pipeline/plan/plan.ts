/**
 * The validated, typed plan the analyzer hands to everything downstream. Plain data: the executor,
 * the fingerprint module and the reporters never see YAML or zod.
 */
import type { SourceLocation } from '../errors.ts';
import type { DeclaredNames } from '../stage.ts';

export interface PlannedInstance {
  /** "download", or "train@pool2-2-0_drop0.3_bn" for a matrix instance. */
  id: string;
  stage: string;
  /** The matrix item id, or undefined for a plain stage. */
  instance: string | undefined;
  description: string;
  /** Project-relative module path. */
  module: string;
  /**
   * The instance's item after validation by the stage's schema (a plain stage's: the config keys
   * it reads): the only config that affects this instance.
   */
  item: unknown;
  /** Project-relative paths, in declared order. */
  deps: string[];
  outs: string[];
  /** The names of deps and outs pipeline.yaml declares as mappings (name -> path above). */
  names?: DeclaredNames;
  /** Where each out is declared in pipeline.yaml, for problems found after analysis. */
  outLocations: SourceLocation[];
  /** Ids of instances whose outs this instance reads. */
  upstream: string[];
  /** The module and the project modules it imports, project-relative, sorted. */
  codeFiles: string[];
}

export interface Plan {
  root: string;
  /** Absolute run-cache directory. */
  cacheDir: string;
  /** Topological order: every instance comes after its upstream. */
  instances: PlannedInstance[];
  /** One line per file that uses a spelling this release renamed (spec/old-spellings.ts). */
  deprecations?: string[];
}

export function byId(plan: Plan): Map<string, PlannedInstance> {
  return new Map(plan.instances.map((i) => [i.id, i]));
}

/** Instances named on the command line ("train" names every train@ instance) plus their upstream. */
export function selectInstances(plan: Plan, targets: string[]): { selected: Set<string>; unknown: string[] } {
  const index = byId(plan);
  const selected = new Set<string>();
  const unknown: string[] = [];
  const add = (id: string): void => {
    if (selected.has(id)) return;
    selected.add(id);
    for (const up of index.get(id)?.upstream ?? []) add(up);
  };
  for (const t of targets) {
    const matches = plan.instances.filter((i) => i.id === t || i.stage === t);
    if (matches.length === 0) unknown.push(t);
    for (const m of matches) add(m.id);
  }
  return { selected, unknown };
}

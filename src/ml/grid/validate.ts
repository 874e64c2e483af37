/**
 * Checks each experiment's architecture with the model builder's own schema and shape planner
 * while the plan is made, so an impossible network fails `pipeline run` before any training, with
 * the config key of the experiment in front of the layer at fault.
 */
import { isUserError, type Problem } from '../../stage-api.ts';
// From layers.ts, not the model's index: planning needs no tfjs.
import { architectureLayers, parseArchitecture, planLayers } from '../model/layers.ts';

/** Problems of `architecture`, each field prefixed with `prefix` (e.g. "experiments.wide"). */
export function architectureProblems(architecture: unknown, prefix: string): Problem[] {
  try {
    planLayers(architectureLayers(parseArchitecture(architecture)));
    return [];
  } catch (e) {
    if (!isUserError(e)) throw e;
    return e.problems.map((p) => ({ ...p, field: p.field ? `${prefix}.${p.field}` : prefix }));
  }
}

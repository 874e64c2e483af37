/**
 * Synchronous successive halving as a static plan: which rungs there are, how many experiments
 * train in each, and the matrix instances of the search stages. Pure: the same configs give the
 * same plan, so the pipeline's plan stays static even though who trains in a rung depends on
 * results (a rung instance whose experiment was not promoted records that and trains nothing).
 */
import { UserError, type Problem } from '../../stage-api.ts';
import { expandExperiments } from '../grid/expand.ts';
import type { Experiment } from '../grid/schema.ts';
import type { PromoteParams, RungParams, SearchInput } from './schema.ts';

export interface Rung {
  rung: number;
  from_epoch: number;
  /** Epochs trained by the end of this rung. */
  to_epoch: number;
  /** How many experiments train in it. */
  trained: number;
}

export interface SearchPlan {
  experiments: Experiment[];
  eta: number;
  min_epochs: number;
  /** train.epochs, shared by every experiment: the one learning-rate schedule every rung follows. */
  epochs: number;
  rungs: Rung[];
}

/** The best 1/eta continue, at least one. */
export function keepCount(entered: number, eta: number): number {
  return Math.max(1, Math.floor(entered / eta));
}

/** min_epochs, eta times that, eta^2 times that, ... while below `epochs`; then `epochs`. */
export function rungEpochs(minEpochs: number, eta: number, epochs: number): number[] {
  const out: number[] = [];
  for (let e = minEpochs; e < epochs; e *= eta) out.push(e);
  out.push(epochs);
  return out;
}

export function planSearch(input: SearchInput): SearchPlan {
  const experiments = expandExperiments(input);
  const { eta, min_epochs } = input.search;
  const epochs = input.train.epochs;
  const problems: Problem[] = [];
  for (const e of experiments) {
    if (e.train.epochs !== epochs) {
      problems.push({
        field: `experiments.${e.id}.train.epochs`,
        message: `is ${e.train.epochs}, train.epochs is ${epochs}: successive halving trains every experiment on one schedule (remove the override, or use search.strategy: grid)`,
      });
    }
  }
  if (min_epochs >= epochs) {
    problems.push({ field: 'search.min_epochs', message: `is ${min_epochs}, not below train.epochs (${epochs}): there would be no rung to promote to` });
  }
  if (problems.length > 0) throw new UserError(problems);
  let trained = experiments.length;
  let from = 0;
  const rungs = rungEpochs(min_epochs, eta, epochs).map((to, rung) => {
    if (rung > 0) trained = keepCount(trained, eta);
    const r = { rung, from_epoch: from, to_epoch: to, trained };
    from = to;
    return r;
  });
  return { experiments, eta, min_epochs, epochs, rungs };
}

const rungParams = (plan: SearchPlan, r: Rung, e: Experiment): RungParams => ({
  experiment: e,
  rung: r.rung,
  ...(r.rung > 0 ? { from_rung: r.rung - 1 } : {}),
  from_epoch: r.from_epoch,
  to_epoch: r.to_epoch,
  final: r.rung === plan.rungs.length - 1,
});

/** search-first's instances: every experiment, from scratch to min_epochs. */
export function firstRungInstances(plan: SearchPlan): Array<{ id: string; params: RungParams }> {
  return plan.experiments.map((e) => ({ id: e.id, params: rungParams(plan, plan.rungs[0]!, e) }));
}

/** search-rung's instances: every experiment at every later rung (`rung1.<id>`). */
export function laterRungInstances(plan: SearchPlan): Array<{ id: string; params: RungParams }> {
  return plan.rungs.slice(1).flatMap((r) => plan.experiments.map((e) => ({ id: `rung${r.rung}.${e.id}`, params: rungParams(plan, r, e) })));
}

/** search-promote's instances: one selection before each later rung (`rung1`, `rung2`, ...). */
export function promoteInstances(plan: SearchPlan): Array<{ id: string; params: PromoteParams }> {
  return plan.rungs.slice(1).map((r) => {
    const before = plan.rungs[r.rung - 1]!;
    return {
      id: `rung${r.rung}`,
      params: {
        rung: r.rung,
        from_rung: before.rung,
        at_epoch: before.to_epoch,
        eta: plan.eta,
        entered: before.trained,
        keep: r.trained,
        experiments: plan.experiments.map((e) => e.id),
      },
    };
  });
}

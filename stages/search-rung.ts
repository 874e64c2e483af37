/**
 * search-rung@rung<k>.<id> (successive halving only): one experiment in a later rung. Promoted: it
 * continues from its previous rung's checkpoint to the rung's epoch. Not promoted: it records that
 * in a moment. Each depends on its own previous rung and its own decision file only.
 */
import { defineStage } from '../src/stage-api.ts';
import { laterRungInstances, planSearch } from '../src/ml/search/plan.ts';
import { runRung } from '../src/ml/search/rung-run.ts';
import { RungParamsSchema, SearchInputSchema } from '../src/ml/search/schema.ts';

export default defineStage({
  description: 'Successive halving, a later rung: continue a promoted experiment from its checkpoint',
  params: RungParamsSchema,
  matrix: {
    input: SearchInputSchema,
    instances: (input) => laterRungInstances(planSearch(input)),
  },
  async run(ctx) {
    const { experiment: e, rung, from_rung } = ctx.params;
    await runRung({
      params: ctx.params,
      dataDir: ctx.dep('artifacts/data/fashion-mnist'),
      previous: ctx.dep(`artifacts/search/rung${from_rung}/${e.id}`),
      promotion: ctx.dep(`artifacts/search/promotions/rung${rung}/${e.id}.json`),
      outDir: ctx.out(`artifacts/search/rung${rung}/${e.id}`),
      scratch: ctx.scratch,
      threads: ctx.threads,
      signal: ctx.signal,
      progress: (u) => ctx.progress(u),
      log: (l) => ctx.log(l),
      measure: (m) => ctx.measure(m),
    });
  },
});

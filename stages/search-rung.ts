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
  item: RungParamsSchema,
  matrix: {
    input: SearchInputSchema,
    instances: (input) => laterRungInstances(planSearch(input)).map(({ id, params }) => ({ id, item: params })),
  },
  async run(ctx) {
    await runRung({
      params: ctx.item,
      dataDir: ctx.dep('data'),
      previous: ctx.dep('previous'),
      promotion: ctx.dep('promotion'),
      outDir: ctx.out('rung'),
      ...ctx.runtime,
    });
  },
});

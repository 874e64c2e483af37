/**
 * search-first@<id> (successive halving only): every experiment trains the first rung's epochs
 * from scratch, on the learning-rate schedule of all train.epochs.
 */
import { defineStage } from '../src/stage-api.ts';
import { firstRungInstances, planSearch } from '../src/ml/search/plan.ts';
import { runRung } from '../src/ml/search/rung-run.ts';
import { RungParamsSchema, SearchInputSchema } from '../src/ml/search/schema.ts';

export default defineStage({
  description: 'Successive halving, first rung: train every experiment for search.min_epochs',
  item: RungParamsSchema,
  matrix: {
    input: SearchInputSchema,
    instances: (input) => firstRungInstances(planSearch(input)).map(({ id, params }) => ({ id, item: params })),
  },
  async run(ctx) {
    await runRung({
      params: ctx.item,
      dataDir: ctx.dep('data'),
      outDir: ctx.out('rung'),
      ...ctx.runtime,
    });
  },
});

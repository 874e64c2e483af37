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
  params: RungParamsSchema,
  matrix: {
    input: SearchInputSchema,
    instances: (input) => firstRungInstances(planSearch(input)),
  },
  async run(ctx) {
    await runRung({
      params: ctx.params,
      dataDir: ctx.dep('artifacts/data/fashion-mnist'),
      outDir: ctx.out(`artifacts/search/rung0/${ctx.params.experiment.id}`),
      scratch: ctx.scratch,
      threads: ctx.threads,
      signal: ctx.signal,
      progress: (u) => ctx.progress(u),
      log: (l) => ctx.log(l),
      measure: (m) => ctx.measure(m),
    });
  },
});

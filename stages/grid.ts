/** grid: expands configs/grid.yaml and configs/experiments/ into artifacts/metrics/experiments.json. */
import { writeFile } from 'node:fs/promises';
import { defineStage } from '../src/stage-api.ts';
import { expandExperiments } from '../src/ml/grid/expand.ts';
import { ExperimentsFileSchema, GridInputSchema } from '../src/ml/grid/schema.ts';

export default defineStage({
  description: 'Expand the hyperparameter grid and custom experiments into the experiment list',
  item: GridInputSchema,
  async run(ctx) {
    const experiments = expandExperiments(ctx.item);
    const file = ExperimentsFileSchema.parse({ experiments });
    await writeFile(ctx.out('experiments'), JSON.stringify(file, null, 2) + '\n');
    ctx.log(`${experiments.length} experiments: ${experiments.map((e) => e.id).join(', ')}`);
  },
});

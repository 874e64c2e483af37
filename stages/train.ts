/**
 * train@<id>: trains one experiment (a matrix instance per experiment of the grid and
 * configs/experiments/). The engine runs each instance in its own process.
 */
import { defineStage } from '../src/stage-api.ts';
import { expandExperiments } from '../src/ml/grid/expand.ts';
import { ExperimentSchema, GridInputSchema } from '../src/ml/grid/schema.ts';

export default defineStage({
  description: 'Train one experiment, checkpointing every epoch',
  item: ExperimentSchema,
  matrix: {
    input: GridInputSchema,
    instances: (input) => expandExperiments(input).map((e) => ({ id: e.id, item: e })),
  },
  async run(ctx) {
    // Loaded when the stage runs: it pulls in tfjs, and the runner imports every stage module to plan.
    const { runTraining } = await import('../src/ml/train/run.ts');
    await runTraining({
      experiment: ctx.item,
      dataDir: ctx.dep('data'),
      modelDir: ctx.out('model'),
      historyFile: ctx.out('history'),
      ...ctx.runtime,
    });
  },
});

/**
 * train@<id>: trains one experiment (a matrix instance per experiment of the grid and
 * configs/experiments/). The engine runs each instance in its own process.
 */
import { defineStage } from '../src/stage-api.ts';
import { expandExperiments } from '../src/ml/grid/expand.ts';
import { ExperimentSchema, GridInputSchema } from '../src/ml/grid/schema.ts';

export default defineStage({
  description: 'Train one experiment, checkpointing every epoch',
  params: ExperimentSchema,
  matrix: {
    input: GridInputSchema,
    instances: (input) => expandExperiments(input).map((e) => ({ id: e.id, params: e })),
  },
  async run(ctx) {
    // Loaded when the stage runs: it pulls in tfjs, and the runner imports every stage module to plan.
    const { runTraining } = await import('../src/ml/train/run.ts');
    await runTraining({
      experiment: ctx.params,
      dataDir: ctx.dep('artifacts/data/fashion-mnist'),
      modelDir: ctx.out(`artifacts/models/${ctx.instance}`),
      historyFile: ctx.out(`artifacts/metrics/train/${ctx.instance}.json`),
      scratch: ctx.scratch,
      threads: ctx.threads,
      signal: ctx.signal,
      progress: (u) => ctx.progress(u),
      log: (l) => ctx.log(l),
      measure: (m) => ctx.measure(m),
    });
  },
});

/**
 * evaluate@<id>: scores one experiment's model on the test set (a matrix instance per experiment,
 * like train, so one new experiment is scored alone and the others stay cached).
 */
import { z } from 'zod';
import { defineStage } from '../src/stage-api.ts';
import { EvaluateConfigSchema } from '../src/ml/evaluate/config.ts';
import { expandExperiments } from '../src/ml/grid/expand.ts';
import { GridInputSchema } from '../src/ml/grid/schema.ts';

export default defineStage({
  description: 'Score one experiment on the test set: overall and per-class accuracy, confusion',
  item: z.object({ evaluate: EvaluateConfigSchema, test_time_augment: z.object({ hflip: z.boolean() }).optional() }),
  matrix: {
    input: GridInputSchema.extend({ evaluate: EvaluateConfigSchema }),
    // Its item is the evaluation settings (and the experiment's test-time augmentation, when it
    // declares one): what it scores is its dep, the trained model.
    instances: (input) =>
      expandExperiments(input).map((e) => ({
        id: e.id,
        item: { evaluate: input.evaluate, ...(e.train.test_time_augment.hflip ? { test_time_augment: e.train.test_time_augment } : {}) },
      })),
  },
  async run(ctx) {
    // Loaded when the stage runs: it pulls in tfjs, and the runner imports every stage module to plan.
    const { runEvaluation } = await import('../src/ml/evaluate/run.ts');
    await runEvaluation({
      cfg: ctx.item.evaluate,
      testTimeAugment: ctx.item.test_time_augment,
      id: ctx.instance!,
      dataDir: ctx.dep('data'),
      modelDir: ctx.dep('model'),
      scoreFile: ctx.out('score'),
      ...ctx.runtime,
    });
  },
});

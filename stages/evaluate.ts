/** evaluate: scores every experiment on the test set and writes artifacts/metrics/summary.json. */
import { z } from 'zod';
import { defineStage } from '../src/pipeline/stage.ts';
import { EvaluateConfigSchema } from '../src/ml/evaluate/config.ts';

export default defineStage({
  description: 'Evaluate every experiment on the test set: overall and per-class accuracy, confusion',
  params: z.object({ evaluate: EvaluateConfigSchema }),
  async run(ctx) {
    const dataDir = ctx.dep('artifacts/data/fashion-mnist');
    const experimentsFile = ctx.dep('artifacts/metrics/experiments.json');
    const historyDir = ctx.dep('artifacts/metrics/train');
    const modelsDir = ctx.dep('artifacts/models');
    const selectionFile = ctx.dep('artifacts/metrics/selection.json');
    // Loaded when the stage runs: it pulls in tfjs, and the runner imports every stage module to plan.
    const { runEvaluation } = await import('../src/ml/evaluate/run.ts');
    await runEvaluation({
      cfg: ctx.params.evaluate,
      dataDir, experimentsFile, historyDir, modelsDir, selectionFile,
      summaryFile: ctx.out('artifacts/metrics/summary.json'),
      threads: ctx.threads,
      signal: ctx.signal,
      progress: (u) => ctx.progress(u),
      log: (l) => ctx.log(l),
    });
  },
});

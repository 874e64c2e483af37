/** evaluate: scores every experiment on the test set and writes artifacts/metrics/summary.json. */
import { z } from 'zod';
import { defineStage } from '../src/pipeline/stage.ts';
import { EvaluateConfigSchema } from '../src/ml/evaluate/config.ts';

export default defineStage({
  description: 'Evaluate every experiment on the test set: overall and per-class accuracy, confusion',
  params: z.object({ evaluate: EvaluateConfigSchema }),
  async run(ctx) {
    // deps, in pipeline.yaml's order: data, experiments.json, train histories, models, selection.json
    const [dataDir, experimentsFile, historyDir, modelsDir, selectionFile] = ctx.deps as [string, string, string, string, string];
    // Loaded when the stage runs: it pulls in tfjs, and the runner imports every stage module to plan.
    const { runEvaluation } = await import('../src/ml/evaluate/run.ts');
    await runEvaluation({
      cfg: ctx.params.evaluate,
      dataDir, experimentsFile, historyDir, modelsDir, selectionFile,
      summaryFile: ctx.outs[0]!,
      threads: ctx.threads,
      signal: ctx.signal,
      progress: (u) => ctx.progress(u),
      log: (l) => ctx.log(l),
    });
  },
});

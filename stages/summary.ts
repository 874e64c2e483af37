/** summary: every experiment's validation and test results, best first, in artifacts/metrics/summary.json. */
import { z } from 'zod';
import { defineStage } from '../src/stage-api.ts';
import { runSummary } from '../src/ml/evaluate/summarize.ts';

export default defineStage({
  description: "Gather every experiment's validation and test results in the selection's order",
  params: z.object({}),
  async run(ctx) {
    const summary = await runSummary({
      experimentsFile: ctx.dep('artifacts/metrics/experiments.json'),
      historyDir: ctx.dep('artifacts/metrics/train'),
      scoreDir: ctx.dep('artifacts/metrics/test'),
      selectionFile: ctx.dep('artifacts/metrics/selection.json'),
      summaryFile: ctx.out('artifacts/metrics/summary.json'),
    });
    const best = summary.experiments[0]!;
    ctx.log(`best: ${best.id}, test accuracy ${best.test_accuracy.toFixed(4)} (validation ${best.val_accuracy.toFixed(4)})`);
  },
});

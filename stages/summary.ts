/** summary: every experiment's validation and test results, best first, in artifacts/metrics/summary.json. */
import { z } from 'zod';
import { defineStage } from '../src/stage-api.ts';
import { runSummary } from '../src/ml/evaluate/summarize.ts';

export default defineStage({
  description: "Gather every experiment's validation and test results in the selection's order",
  item: z.object({}),
  async run(ctx) {
    const summary = await runSummary({
      experimentsFile: ctx.dep('experiments'),
      historyDir: ctx.dep('histories'),
      scoreDir: ctx.dep('scores'),
      selectionFile: ctx.dep('selection'),
      summaryFile: ctx.out('summary'),
    });
    const best = summary.experiments[0]!;
    ctx.log(`best: ${best.id}, test accuracy ${best.test_accuracy.toFixed(4)} (validation ${best.val_accuracy.toFixed(4)})`);
  },
});

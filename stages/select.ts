/** select: picks the best experiment by validation accuracy (ties: fewer parameters). */
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { defineStage } from '../src/stage-api.ts';
import { finalValAccuracy, readExperiments, readHistory } from '../src/ml/evaluate/inputs.ts';
import { SelectionSchema, selectBest } from '../src/ml/evaluate/select.ts';

export default defineStage({
  description: 'Select the best experiment on the validation split',
  item: z.object({}),
  async run(ctx) {
    const experiments = await readExperiments(ctx.dep('experiments'));
    const historyDir = ctx.dep('histories');
    const candidates = await Promise.all(
      experiments.map(async (e) => {
        const h = await readHistory(historyDir, e.id);
        return { id: e.id, kind: e.kind, val_accuracy: finalValAccuracy(h), param_count: h.param_count };
      }),
    );
    const selection = SelectionSchema.parse(selectBest(candidates));
    await writeFile(ctx.out('selection'), JSON.stringify(selection, null, 2) + '\n');
    const top = selection.ranking[0]!;
    ctx.log(
      `best: ${top.id} (val accuracy ${top.val_accuracy.toFixed(4)}, ${top.param_count} params)${selection.best_baseline ? `; best baseline: ${selection.best_baseline}` : ''}`,
    );
  },
});

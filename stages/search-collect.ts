/**
 * search-collect (successive halving only): each experiment's model and history from the last rung
 * it trained in, where the full grid's train stage puts them, so select, evaluate and report run
 * unchanged; and where each experiment stopped and why (search.json, the report's section).
 */
import { writeFile } from 'node:fs/promises';
import { defineStage } from '../src/stage-api.ts';
import { collectSearch, searchMarkdown } from '../src/ml/search/collect.ts';
import { writeJsonFile } from '../src/ml/search/files.ts';
import { planSearch } from '../src/ml/search/plan.ts';
import { SearchInputSchema, SearchSummarySchema } from '../src/ml/search/schema.ts';

export default defineStage({
  description: "Successive halving: gather each experiment's last trained rung, and say where each stopped",
  item: SearchInputSchema,
  async run(ctx) {
    const plan = planSearch(ctx.item);
    const summary = SearchSummarySchema.parse(
      await collectSearch(plan, {
        search: ctx.dep('search'),
        models: ctx.out('models'),
        histories: ctx.out('histories'),
      }),
    );
    await writeJsonFile(ctx.out('summary'), summary);
    await writeFile(ctx.out('fragment'), searchMarkdown(summary));
    const finalists = summary.experiments.filter((e) => e.stopped_at_rung === plan.rungs.length - 1).map((e) => e.id);
    ctx.log(`${summary.epochs_trained} of the full grid's ${summary.full_grid_epochs} epochs trained; finalists: ${finalists.join(', ')}`);
  },
});

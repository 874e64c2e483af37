/**
 * search-promote@rung<k> (successive halving only): ranks rung k-1 by validation accuracy (ties by
 * id) and writes one decision file per experiment (what rung k's instances depend on) and the
 * whole ranking (promotions/rung<k>.json, for people and the report).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { defineStage } from '../src/stage-api.ts';
import { readRungRecord, writeJsonFile } from '../src/ml/search/files.ts';
import { planSearch, promoteInstances } from '../src/ml/search/plan.ts';
import { decidePromotions } from '../src/ml/search/promote.ts';
import { PromoteParamsSchema, SearchInputSchema } from '../src/ml/search/schema.ts';

export default defineStage({
  description: 'Successive halving: choose who continues to the next rung',
  item: PromoteParamsSchema,
  matrix: {
    input: SearchInputSchema,
    instances: (input) => promoteInstances(planSearch(input)).map(({ id, params }) => ({ id, item: params })),
  },
  async run(ctx) {
    const p = ctx.item;
    const from = ctx.dep('previous');
    const records = await Promise.all(p.experiments.map((id) => readRungRecord(from, id)));
    const { decisions, promotions } = decidePromotions(p, records);
    const dir = ctx.out('decisions');
    await mkdir(dir, { recursive: true });
    for (const d of promotions) await writeJsonFile(path.join(dir, `${d.experiment}.json`), d);
    await writeJsonFile(ctx.out('ranking'), decisions);
    const kept = decisions.ranking.filter((r) => r.promoted);
    ctx.log(`rung ${p.rung}: ${kept.map((r) => `${r.experiment} (${r.val_accuracy.toFixed(4)})`).join(', ')} of ${p.entered} continue`);
  },
});

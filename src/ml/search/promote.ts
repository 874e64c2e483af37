/**
 * The selection between two rungs: of the experiments that trained in the earlier rung, the best
 * `keep` by validation accuracy continue; ties go to the smaller id, so the decision is the same
 * on every run and every machine (asynchronous schemes depend on which worker finishes first).
 */
import type { Promotion, PromoteParams, RungDecisions, RungRecord } from './schema.ts';

/** Best first: higher validation accuracy, then the smaller id (code-unit order, locale-free). */
export function rankRecords(records: RungRecord[]): RungRecord[] {
  return [...records].sort((a, b) => b.val_accuracy! - a.val_accuracy! || (a.experiment < b.experiment ? -1 : a.experiment > b.experiment ? 1 : 0));
}

export function decidePromotions(p: PromoteParams, records: RungRecord[]): { decisions: RungDecisions; promotions: Promotion[] } {
  const contenders = records.filter((r) => r.trained);
  if (contenders.length !== p.entered) {
    throw new Error(`rung ${p.from_rung} has ${contenders.length} trained experiments, the plan expects ${p.entered}`);
  }
  const ranked = rankRecords(contenders);
  const promoted = new Set(ranked.slice(0, p.keep).map((r) => r.experiment));
  return {
    decisions: {
      rung: p.rung,
      from_rung: p.from_rung,
      at_epoch: p.at_epoch,
      eta: p.eta,
      entered: p.entered,
      keep: p.keep,
      ranking: ranked.map((r, i) => ({ experiment: r.experiment, rank: i + 1, val_accuracy: r.val_accuracy!, promoted: promoted.has(r.experiment) })),
    },
    promotions: p.experiments.map((id) => ({ experiment: id, rung: p.rung, promoted: promoted.has(id) })),
  };
}

/**
 * Model selection on the validation split only (the test set must not choose the model): the best
 * validation accuracy wins, ties go to the smaller network, then to the id so the choice is stable.
 */
import { z } from 'zod';
import { UserError } from '../../stage-api.ts';

export const CandidateSchema = z.object({
  id: z.string(),
  kind: z.enum(['grid', 'custom']),
  val_accuracy: z.number(),
  param_count: z.number().int().positive(),
});
export type Candidate = z.infer<typeof CandidateSchema>;

/** artifacts/metrics/selection.json (written by the select stage). */
export const SelectionSchema = z.object({
  best: z.string(),
  /** Best of kind "grid": the homework's best baseline, which a custom network should beat. */
  best_baseline: z.string().optional(),
  /** Every candidate, best first. */
  ranking: z.array(CandidateSchema),
});
export type Selection = z.infer<typeof SelectionSchema>;

export function compareCandidates(a: Candidate, b: Candidate): number {
  return b.val_accuracy - a.val_accuracy || a.param_count - b.param_count || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function selectBest(candidates: readonly Candidate[]): Selection {
  if (candidates.length === 0) throw new UserError('no trained experiments to select from: configs/grid.yaml and configs/experiments/ define none');
  const ranking = [...candidates].sort(compareCandidates);
  const baseline = ranking.find((c) => c.kind === 'grid');
  return { best: ranking[0]!.id, ...(baseline ? { best_baseline: baseline.id } : {}), ranking };
}

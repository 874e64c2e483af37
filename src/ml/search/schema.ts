/**
 * configs/search.yaml and the files successive halving hands between its stages. Only the search
 * stages import this module: the train stage's code (and so every train@ fingerprint) never sees it.
 */
import { z } from 'zod';
import { ExperimentSchema, GridInputSchema } from '../grid/schema.ts';

export const STRATEGIES = ['grid', 'successive-halving'] as const;

/** configs/search.yaml. */
export const SearchConfigSchema = z.strictObject({
  /** grid: every experiment trains train.epochs. successive-halving: rungs, see plan.ts. */
  strategy: z.enum(STRATEGIES),
  /** The best 1/eta of a rung continue, eta times longer. */
  eta: z.number().int().min(2),
  /** Epochs every experiment trains in the first rung. */
  min_epochs: z.number().int().positive(),
});
export type SearchConfig = z.infer<typeof SearchConfigSchema>;

/** What the search stages read: the grid's keys plus `search`. */
export const SearchInputSchema = GridInputSchema.extend({ search: SearchConfigSchema });
export type SearchInput = z.infer<typeof SearchInputSchema>;

/** Params of one rung instance: one experiment, trained from `from_epoch` to `to_epoch`. */
export const RungParamsSchema = z.object({
  experiment: ExperimentSchema,
  rung: z.number().int().nonnegative(),
  /** The rung whose state this one continues (absent for the first rung). */
  from_rung: z.number().int().nonnegative().optional(),
  from_epoch: z.number().int().nonnegative(),
  to_epoch: z.number().int().positive(),
  /** The last rung hands no checkpoint on. */
  final: z.boolean(),
});
export type RungParams = z.infer<typeof RungParamsSchema>;

/** Params of the selection before rung `rung`: who of rung `from_rung` continues. */
export const PromoteParamsSchema = z.object({
  rung: z.number().int().positive(),
  from_rung: z.number().int().nonnegative(),
  /** Epochs trained by the end of rung from_rung (what the ranking measures). */
  at_epoch: z.number().int().positive(),
  eta: z.number().int().min(2),
  /** Experiments that trained in rung from_rung, and how many of them continue. */
  entered: z.number().int().positive(),
  keep: z.number().int().positive(),
  /** Every experiment of the plan, so each gets a decision file (stopped ones: not promoted). */
  experiments: z.array(z.string()),
});
export type PromoteParams = z.infer<typeof PromoteParamsSchema>;

/** <rung dir>/<id>/record.json: what one rung instance did. */
export const RungRecordSchema = z.object({
  experiment: z.string(),
  rung: z.number().int().nonnegative(),
  trained: z.boolean(),
  from_epoch: z.number().int().nonnegative(),
  to_epoch: z.number().int().positive(),
  /** Validation accuracy after to_epoch (trained instances only). */
  val_accuracy: z.number().min(0).max(1).optional(),
});
export type RungRecord = z.infer<typeof RungRecordSchema>;

/**
 * promotions/rung<k>/<id>.json: the one decision a rung-k instance depends on. It holds nothing
 * about the other experiments, so adding one re-runs only the instances whose fate it changes.
 */
export const PromotionSchema = z.object({
  experiment: z.string(),
  rung: z.number().int().positive(),
  promoted: z.boolean(),
});
export type Promotion = z.infer<typeof PromotionSchema>;

/** promotions/rung<k>.json: the whole selection before rung k, for people and the report. */
export const RungDecisionsSchema = z.object({
  rung: z.number().int().positive(),
  from_rung: z.number().int().nonnegative(),
  at_epoch: z.number().int().positive(),
  eta: z.number().int(),
  entered: z.number().int().positive(),
  keep: z.number().int().positive(),
  /** Rung from_rung's experiments, best first (validation accuracy, then id). */
  ranking: z.array(
    z.object({
      experiment: z.string(),
      rank: z.number().int().positive(),
      val_accuracy: z.number(),
      promoted: z.boolean(),
    }),
  ),
});
export type RungDecisions = z.infer<typeof RungDecisionsSchema>;

/** artifacts/metrics/search.json: where each experiment stopped, and why. */
export const SearchSummarySchema = z.object({
  strategy: z.literal('successive-halving'),
  eta: z.number().int(),
  min_epochs: z.number().int(),
  epochs: z.number().int(),
  rungs: z.array(z.object({ rung: z.number().int(), to_epoch: z.number().int(), trained: z.number().int() })),
  experiments: z.array(
    z.object({
      id: z.string(),
      stopped_at_rung: z.number().int(),
      epochs_trained: z.number().int(),
      val_accuracy: z.number(),
      reason: z.string(),
    }),
  ),
  /** Epochs trained over all experiments and rungs, against the full grid's experiments x epochs. */
  epochs_trained: z.number().int(),
  full_grid_epochs: z.number().int(),
});
export type SearchSummary = z.infer<typeof SearchSummarySchema>;

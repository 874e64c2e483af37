/**
 * The shapes of configs/grid.yaml, configs/experiments/<name>.yaml and the expanded experiment
 * list. The architecture of a custom experiment is kept opaque here: the model builder owns its
 * schema and validates it before training starts.
 */
import { z } from 'zod';
import { TrainConfigSchema, TrainOverridesSchema } from '../train/config.ts';

export const PoolSchema = z.strictObject({
  kernel: z.number().int().positive(),
  stride: z.number().int().positive(),
  padding: z.number().int().nonnegative(),
});
export type Pool = z.infer<typeof PoolSchema>;

/** configs/grid.yaml: the homework's Figure 2; every combination becomes one experiment. */
export const GridConfigSchema = z.strictObject({
  pool: z.array(PoolSchema),
  dropout: z.array(z.number().min(0).lt(1)),
  batchnorm: z.array(z.boolean()),
});
export type GridConfig = z.infer<typeof GridConfigSchema>;

/** configs/experiments/<name>.yaml: one hand-written experiment (a custom architecture). */
export const ExperimentFileSchema = z.strictObject({
  /** Why this network should beat the best baseline; shown in the report. */
  description: z.string().min(1),
  architecture: z.looseObject({ kind: z.string() }),
  /** Training settings that differ from configs/train.yaml for this experiment only. */
  train: TrainOverridesSchema.optional(),
});
export type ExperimentFile = z.infer<typeof ExperimentFileSchema>;

/** What the grid stage and train's matrix read: the config keys named by `foreach:`. */
export const GridInputSchema = z.object({
  grid: GridConfigSchema,
  experiments: z.record(z.string(), ExperimentFileSchema).optional(),
  train: TrainConfigSchema,
});
export type GridInput = z.infer<typeof GridInputSchema>;

/** One experiment after expansion: everything one train@<id> instance needs. */
export const ExperimentSchema = z.object({
  id: z.string(),
  kind: z.enum(['grid', 'custom']),
  description: z.string().optional(),
  /** The readable knobs of this experiment (a grid point, or the custom file's summary). */
  params: z.record(z.string(), z.unknown()),
  architecture: z.looseObject({ kind: z.string() }),
  train: TrainConfigSchema,
});
export type Experiment = z.infer<typeof ExperimentSchema>;

/** artifacts/metrics/experiments.json (written by the grid stage). */
export const ExperimentsFileSchema = z.object({
  experiments: z.array(ExperimentSchema),
});
export type ExperimentsFile = z.infer<typeof ExperimentsFileSchema>;

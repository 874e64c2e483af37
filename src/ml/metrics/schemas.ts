/**
 * The JSON files stages hand to each other under artifacts/metrics/. Producers validate what they
 * write and consumers validate what they read with these schemas, so a format change breaks loudly.
 */
import { z } from 'zod';

export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

/** artifacts/metrics/gradcheck.json (homework part 1). */
export const GradcheckReportSchema = z.object({
  seed: z.number().int(),
  batch_size: z.number().int().positive(),
  /** "log-likelihood" is equation (5) as printed; "bce" is its negative, the usual loss. */
  conventions: z.array(
    z.object({
      name: z.enum(['log-likelihood', 'bce']),
      loss: z.number(),
      /** What the value means, in words, for the report. */
      description: z.string().optional(),
    }),
  ),
  /** Tolerance on the relative error against float64 finite differences. */
  tolerance: z.number().positive(),
  /** Tolerance on the relative error against tfjs autodiff (float32, hence looser). */
  autodiff_tolerance: z.number().positive().optional(),
  /** Network sizes (the homework's 2-500-2). */
  dims: z.object({ input: z.number().int(), hidden: z.number().int(), output: z.number().int() }).optional(),
  /** How the finite differences were taken; errors are |a-b| / max(|a|, |b|, denominator_floor). */
  finite_differences: z
    .object({
      stencil: z.number().int(),
      step: z.number().positive(),
      denominator_floor: z.number().nonnegative(),
      /** "all", or the number of W1 entries sampled with the seed. */
      w1_entries: z.union([z.literal('all'), z.number().int().positive()]),
    })
    .optional(),
  autodiff: z
    .object({
      library: z.string(),
      backend: z.string(),
      dtype: z.string(),
      denominator_floor: z.number().nonnegative(),
    })
    .optional(),
  /** Per parameter, the worst error over both conventions. */
  parameters: z.array(
    z.object({
      name: z.enum(['W1', 'b1', 'W2', 'b2']),
      shape: z.array(z.number().int()),
      entries_checked: z.number().int().positive(),
      max_rel_error_fd: z.number().nonnegative(),
      max_rel_error_autodiff: z.number().nonnegative(),
      max_abs_error_fd: z.number().nonnegative().optional(),
      max_abs_error_autodiff: z.number().nonnegative().optional(),
      pass_fd: z.boolean().optional(),
      pass_autodiff: z.boolean().optional(),
      pass: z.boolean(),
    }),
  ),
  pass: z.boolean(),
});
export type GradcheckReport = z.infer<typeof GradcheckReportSchema>;

/** One row of Table 1: 1-based row, column and filter, as the homework numbers them. */
export const Table1RowSchema = z.object({
  row: z.number().int().positive(),
  column: z.number().int().positive(),
  filter: z.number().int().positive(),
  value: z.number(),
});

/** artifacts/metrics/theory.json (homework 2.1). */
export const TheoryReportSchema = z.object({
  questions: z.array(
    z.object({
      id: z.string(), // "2.1.1" ...
      question: z.string(),
      answer: z.string(),
      /** Lines of working, shown under the answer. */
      working: z.array(z.string()),
    }),
  ),
  toy_convolution: z.object({
    /** output[filter][row][col], 0-based indices, 3x3 per filter. */
    output: z.array(z.array(z.array(z.number()))),
    table1: z.array(Table1RowSchema),
    /** The exercise itself, so the report can show it next to the result. */
    image: z.array(z.array(z.number())).optional(),
    filters: z.array(z.array(z.array(z.number()))).optional(),
    stride: z.number().int().positive().optional(),
    padding: z.number().int().nonnegative().optional(),
  }),
});
export type TheoryReport = z.infer<typeof TheoryReportSchema>;

export const EpochRecordSchema = z.object({
  epoch: z.number().int().positive(),
  train_loss: z.number(),
  train_accuracy: z.number(),
  val_loss: z.number(),
  val_accuracy: z.number(),
});
export type EpochRecord = z.infer<typeof EpochRecordSchema>;

/** artifacts/metrics/train/<id>.json: one training run's history (written by train@<id>). */
export const TrainHistorySchema = z.object({
  id: z.string(),
  kind: z.enum(['grid', 'custom']),
  description: z.string().optional(),
  params: z.record(z.string(), z.unknown()),
  backend: z.string(),
  seed: z.number().int(),
  param_count: z.number().int().positive(),
  epochs: z.array(EpochRecordSchema),
});
export type TrainHistory = z.infer<typeof TrainHistorySchema>;

const PerClassSchema = z.record(z.string(), z.number());
const MostConfusedSchema = z.array(z.object({ true_class: z.string(), predicted_class: z.string(), count: z.number().int() }));

export const ExperimentResultSchema = z.object({
  id: z.string(),
  kind: z.enum(['grid', 'custom']),
  description: z.string().optional(),
  params: z.record(z.string(), z.unknown()),
  val_accuracy: z.number(),
  test_accuracy: z.number(),
  test_loss: z.number().optional(),
  per_class: PerClassSchema,
  param_count: z.number().int().positive(),
  epochs: z.number().int().positive(),
  /** confusion[true][predicted], counts over the test set. */
  confusion: z.array(z.array(z.number().int().nonnegative())),
  most_confused: MostConfusedSchema,
  /** Present when the experiment declares test-time augmentation: its validation and test scores average it. */
  test_time_augment: z.object({ hflip: z.boolean() }).optional(),
});
export type ExperimentResult = z.infer<typeof ExperimentResultSchema>;

/** artifacts/metrics/test/<id>.json: one model scored on the test set (written by evaluate@<id>). */
export const TestScoreSchema = z.object({
  id: z.string(),
  backend: z.string(),
  /** How many test images were scored (all 10,000 unless evaluate.max_test_images says fewer). */
  test_images: z.number().int().positive(),
  test_accuracy: z.number(),
  test_loss: z.number(),
  per_class: PerClassSchema,
  /** confusion[true][predicted], counts over the test set. */
  confusion: z.array(z.array(z.number().int().nonnegative())),
  most_confused: MostConfusedSchema,
  /** Present when the experiment declares test-time augmentation: these scores average it. */
  test_time_augment: z.object({ hflip: z.boolean() }).optional(),
});
export type TestScore = z.infer<typeof TestScoreSchema>;

/** artifacts/metrics/summary.json (written by summary). */
export const SummarySchema = z.object({
  best: z.string(),
  /** The best experiment of kind "grid": the homework's "best baseline". */
  best_baseline: z.string().optional(),
  class_names: z.array(z.string()),
  backend: z.string().optional(),
  experiments: z.array(ExperimentResultSchema),
});
export type Summary = z.infer<typeof SummarySchema>;

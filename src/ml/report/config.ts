/** The report's settings, from configs/report.yaml (`report:`). Strict, so a typo'd key fails loudly. */
import { z } from 'zod';

export const ReportConfigSchema = z.strictObject({
  title: z.string().min(1),
  /** The command that reproduces everything, quoted in the footer. */
  command: z.string().min(1),
  /** How many of the best model's weakest classes to call problematic. */
  lowest_classes: z.number().int().positive(),
  /** How many of the largest off-diagonal confusion cells to list. */
  confused_pairs: z.number().int().positive(),
  /**
   * Classes that look alike at 28x28: a confused pair inside one group gets the group's reason.
   * The reasons are domain knowledge the numbers cannot supply; the numbers choose which apply.
   */
  similar_groups: z.array(
    z.strictObject({
      name: z.string().min(1),
      classes: z.array(z.string()).min(2),
      reason: z.string().min(1),
    }),
  ),
  /** A likely reason per class, shown when that class is among the weakest. */
  class_notes: z.record(z.string(), z.string()),
  /**
   * Published Fashion-MNIST test accuracies to set this run's against (all on the full 10,000-image
   * test set). Copied from their source with the source named, never computed here.
   */
  published_results: z
    .array(
      z.strictObject({
        model: z.string().min(1),
        test_accuracy: z.number().gt(0).lte(1),
        preprocessing: z.string().min(1),
        source: z.string().min(1),
      }),
    )
    .default([]),
});
export type ReportConfig = z.infer<typeof ReportConfigSchema>;

/** The stage's params object: pipeline.yaml names the `report` config key. */
export const ReportStageParamsSchema = z.object({ report: ReportConfigSchema });

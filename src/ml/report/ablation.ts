/**
 * The custom network's ablation (bench/ablation.ts writes bench/reference/ablation.json, outside
 * the pipeline: it trains eight variants, too long for every run): which ingredient of the recipe
 * and which architecture earns what, on the validation set only. The report renders it under the
 * custom architecture, with the command that made it and its (shorter) schedule.
 */
import { z } from 'zod';
import { code, count, pct, points, table } from './md-format.ts';

/** Where the ablation's results are committed; a declared dep of the report stage. */
export const ABLATION_FILE = 'bench/reference/ablation.json';

export const AblationFileSchema = z.object({
  /** The command that wrote the file, shown beside its numbers. */
  command: z.string().min(1),
  /** Epochs every variant trained for (its own cosine schedule over them). */
  epochs: z.number().int().positive(),
  /** The whole recipe the variants change, in words: configs/experiments/vgg-gap.yaml may have moved on since. */
  recipe: z.string().min(1).optional(),
  machine: z.string(),
  variants: z
    .array(
      z.object({
        id: z.string().min(1),
        /** What differs from the whole recipe, in words. */
        change: z.string().min(1),
        param_count: z.number().int().nonnegative(),
        /** Validation accuracy after the last epoch (never the test set). */
        val_accuracy: z.number().min(0).max(1),
        val_curve: z.array(z.number().min(0).max(1)),
        train_seconds: z.number().nonnegative(),
      }),
    )
    .min(1),
});
export type AblationFile = z.infer<typeof AblationFileSchema>;

/** The id of the variant with the whole recipe, the row every other is measured against. */
export const FULL_RECIPE = 'full';

export function ablationSection(a: AblationFile | undefined): string[] {
  if (!a) return [];
  const full = a.variants.find((v) => v.id === FULL_RECIPE);
  const rows = a.variants.map((v) => [
    code(v.id),
    v.change,
    count(v.param_count),
    pct(v.val_accuracy),
    full && v !== full ? points(v.val_accuracy - full.val_accuracy) : '—',
    (v.train_seconds / 60).toFixed(1),
    ((100 * v.val_accuracy) / Math.max(v.train_seconds / 60, 1e-9)).toFixed(2),
  ]);
  return [
    '#### What each ingredient earns (ablation)',
    `Each variant trains for ${a.epochs} epochs (a shorter schedule than the full run's, so every accuracy here is ` +
      `below the final one) on the same 50,000 training images and is scored on the 10,000 validation images only: ` +
      `the test set plays no part in choosing the recipe. Made by ${code(a.command)} on ${a.machine}; one run per ` +
      'variant, so differences of a few tenths of a point are within what another seed could change.' +
      (a.recipe ? ` The whole recipe in this table: ${a.recipe}.` : ''),
    table(
      ['Variant', 'Change from the whole recipe', 'Parameters', 'Validation', 'Against the whole recipe', 'Training minutes', 'Validation % per minute'],
      rows,
      ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
    ),
  ];
}

/**
 * The reference run: the same experiments trained with the same recipe in another framework
 * (bench/reference/pytorch_grid.py writes bench/reference/pytorch-grid.json), matched to this run's
 * experiments by id. Only experiments trained for as many epochs as the reference are compared: a
 * profile's short runs would otherwise read as a framework gap.
 */
import { z } from 'zod';
import type { Summary } from '../metrics/schemas.ts';

/** Where the reference run's results are committed; a declared dep of the report stage. */
export const REFERENCE_FILE = 'bench/reference/pytorch-grid.json';

export const ReferenceRunSchema = z.object({
  experiments: z
    .array(
      z.object({
        id: z.string().min(1),
        param_count: z.number().int().positive(),
        val_accuracy: z.number().min(0).max(1),
        test_accuracy: z.number().min(0).max(1),
        history: z.array(z.object({ epoch: z.number().int().positive() })).min(1),
        train_seconds: z.number().nonnegative(),
        device: z.string().min(1),
        torch: z.string().min(1),
      }),
    )
    .min(1),
});
export type ReferenceRun = z.infer<typeof ReferenceRunSchema>;

export interface ReferenceRow {
  id: string;
  ours: { val: number; test: number; params: number };
  reference: { val: number; test: number; params: number };
  /** Ours minus the reference, test accuracy. */
  testDelta: number;
}

export interface ReferenceComparison {
  rows: ReferenceRow[];
  /** Experiments of this run that the reference also trained, but for a different number of epochs. */
  otherRecipe: { id: string; epochs: number; referenceEpochs: number }[];
  /** Experiments of this run the reference does not have. */
  missing: string[];
  framework: string;
  device: string;
  /** Over the compared rows; absent when none is compared. */
  totals?: {
    /** Mean of testDelta, mean of its absolute value, and the row with the largest absolute value. */
    meanDelta: number;
    meanAbsDelta: number;
    largest: ReferenceRow;
    /** The best of the compared experiments by validation accuracy, on each side. */
    bestOurs: string;
    bestReference: string;
  };
}

/** The id of the row with the highest validation accuracy on one side (rows is not empty). */
const bestBy = (rows: ReferenceRow[], side: 'ours' | 'reference'): string => rows.reduce((a, r) => (r[side].val > a[side].val ? r : a)).id;

export function compareWithReference(summary: Summary, ref: ReferenceRun): ReferenceComparison {
  const byId = new Map(ref.experiments.map((e) => [e.id, e]));
  const rows: ReferenceRow[] = [];
  const otherRecipe: ReferenceComparison['otherRecipe'] = [];
  const missing: string[] = [];
  for (const e of summary.experiments) {
    const r = byId.get(e.id);
    if (!r) {
      missing.push(e.id);
      continue;
    }
    if (r.history.length !== e.epochs) {
      otherRecipe.push({ id: e.id, epochs: e.epochs, referenceEpochs: r.history.length });
      continue;
    }
    rows.push({
      id: e.id,
      ours: { val: e.val_accuracy, test: e.test_accuracy, params: e.param_count },
      reference: { val: r.val_accuracy, test: r.test_accuracy, params: r.param_count },
      testDelta: e.test_accuracy - r.test_accuracy,
    });
  }
  rows.sort((a, b) => a.id.localeCompare(b.id));
  const versions = [...new Set(ref.experiments.map((e) => e.torch))].join(', ');
  const devices = [...new Set(ref.experiments.map((e) => e.device))].join(', ');
  const out: ReferenceComparison = { rows, otherRecipe, missing, framework: `PyTorch ${versions}`, device: devices };
  if (rows.length > 0) {
    out.totals = {
      meanDelta: rows.reduce((a, r) => a + r.testDelta, 0) / rows.length,
      meanAbsDelta: rows.reduce((a, r) => a + Math.abs(r.testDelta), 0) / rows.length,
      largest: rows.reduce((a, r) => (Math.abs(r.testDelta) > Math.abs(a.testDelta) ? r : a)),
      bestOurs: bestBy(rows, 'ours'),
      bestReference: bestBy(rows, 'reference'),
    };
  }
  return out;
}

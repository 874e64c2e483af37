/** Assembles summary.json from the experiment list, the histories, the test scores and the selection. */
import { CLASS_NAMES, SummarySchema, type ExperimentResult, type Summary, type TestScore, type TrainHistory } from '../metrics/schemas.ts';
import type { Experiment } from '../grid/schema.ts';
import { finalValAccuracy } from './inputs.ts';
import type { Selection } from './select.ts';

export function experimentResult(e: Experiment, h: TrainHistory, score: TestScore): ExperimentResult {
  return {
    id: e.id,
    kind: e.kind,
    ...(e.description !== undefined ? { description: e.description } : {}),
    params: e.params,
    val_accuracy: finalValAccuracy(h),
    test_accuracy: score.test_accuracy,
    test_loss: score.test_loss,
    per_class: score.per_class,
    param_count: h.param_count,
    epochs: h.epochs.length,
    confusion: score.confusion,
    most_confused: score.most_confused,
    ...(score.test_time_augment ? { test_time_augment: score.test_time_augment } : {}),
  };
}

/** Experiments appear in selection order (best first), so the report can read them top-down. */
export function buildSummary(selection: Selection, results: ExperimentResult[], opts: { backend?: string; classNames?: readonly string[] } = {}): Summary {
  const byId = new Map(results.map((r) => [r.id, r]));
  const ordered = selection.ranking.map((c) => {
    const r = byId.get(c.id);
    if (!r) throw new Error(`selection names ${c.id}, which was not evaluated`);
    return r;
  });
  return SummarySchema.parse({
    best: selection.best,
    ...(selection.best_baseline !== undefined ? { best_baseline: selection.best_baseline } : {}),
    class_names: [...(opts.classNames ?? CLASS_NAMES)],
    ...(opts.backend !== undefined ? { backend: opts.backend } : {}),
    experiments: ordered,
  });
}

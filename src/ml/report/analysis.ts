/**
 * The report's conclusions, computed from the numbers: ranking, the chosen baseline, whether the
 * custom networks beat it, and which classes and pairs the best model gets wrong most.
 */
import type { ExperimentResult, Summary } from '../metrics/schemas.ts';
import type { ReportConfig } from './config.ts';

export type Role = 'best' | 'baseline' | 'other';

export interface Ranked extends ExperimentResult {
  rank: number;
  role: Role;
}

/**
 * Ranked by validation accuracy, ties to fewer parameters (the select stage's rule): the test set
 * stays out of model selection, so it breaks no ties either.
 */
export function leaderboard(s: Summary): Ranked[] {
  const baseline = chosenBaseline(s);
  return [...s.experiments]
    .sort((a, b) => b.val_accuracy - a.val_accuracy || a.param_count - b.param_count || a.id.localeCompare(b.id))
    .map((e, i) => ({ ...e, rank: i + 1, role: e.id === s.best ? 'best' : e.id === baseline?.id ? 'baseline' : 'other' }));
}

export function experimentById(s: Summary, id: string): ExperimentResult {
  const e = s.experiments.find((x) => x.id === id);
  if (!e) throw new Error(`no experiment ${id}`); // inputs.ts checked the references already
  return e;
}

/** evaluate's choice when it made one; else the grid experiment with the best validation accuracy. */
export function chosenBaseline(s: Summary): ExperimentResult | undefined {
  if (s.best_baseline !== undefined) return experimentById(s, s.best_baseline);
  return [...s.experiments].filter((e) => e.kind === 'grid').sort((a, b) => b.val_accuracy - a.val_accuracy)[0];
}

export interface CustomVerdict {
  experiment: ExperimentResult;
  /** Differences against the chosen baseline, in accuracy points (0..1). */
  val_delta: number;
  test_delta: number;
  beats: boolean;
}

export function customVerdicts(s: Summary): CustomVerdict[] {
  const base = chosenBaseline(s);
  if (!base) return [];
  return s.experiments
    .filter((e) => e.kind === 'custom')
    .map((e) => ({
      experiment: e,
      val_delta: e.val_accuracy - base.val_accuracy,
      test_delta: e.test_accuracy - base.test_accuracy,
      // "Beats" on the held-out test set, and not by picking on it: validation must agree.
      beats: e.test_accuracy > base.test_accuracy && e.val_accuracy >= base.val_accuracy,
    }));
}

export interface ClassRow {
  name: string;
  accuracy: number;
  correct: number;
  total: number;
}

export function classRows(s: Summary, e: ExperimentResult): ClassRow[] {
  return s.class_names.map((name, i) => {
    const row = e.confusion[i] ?? [];
    return { name, accuracy: e.per_class[name] ?? 0, correct: row[i] ?? 0, total: row.reduce((a, b) => a + b, 0) };
  });
}

export interface WeakClass extends ClassRow {
  /** Below the model's overall test accuracy, in points. */
  gap: number;
  note: string | undefined;
}

export interface ConfusedPair {
  true_class: string;
  predicted_class: string;
  count: number;
  /** Share of the true class's test images sent to the predicted class. */
  rate: number;
  group: string | undefined;
  reason: string | undefined;
}

export interface Problems {
  weakest: WeakClass[];
  pairs: ConfusedPair[];
}

export function problematicClasses(s: Summary, e: ExperimentResult, p: ReportConfig): Problems {
  const rows = classRows(s, e);
  const weakest = [...rows]
    .sort((a, b) => a.accuracy - b.accuracy || a.name.localeCompare(b.name))
    .slice(0, p.lowest_classes)
    .map((r) => ({ ...r, gap: e.test_accuracy - r.accuracy, note: p.class_notes[r.name] }));
  const cells: ConfusedPair[] = [];
  e.confusion.forEach((row, t) =>
    row.forEach((count, q) => {
      if (t === q || count === 0) return;
      const tc = s.class_names[t] ?? String(t);
      const pc = s.class_names[q] ?? String(q);
      const group = p.similar_groups.find((g) => g.classes.includes(tc) && g.classes.includes(pc));
      const total = rows[t]?.total ?? 0;
      cells.push({
        true_class: tc,
        predicted_class: pc,
        count,
        rate: total === 0 ? 0 : count / total,
        group: group?.name,
        reason: group?.reason,
      });
    }),
  );
  cells.sort((a, b) => b.count - a.count || a.true_class.localeCompare(b.true_class) || a.predicted_class.localeCompare(b.predicted_class));
  return { weakest, pairs: cells.slice(0, p.confused_pairs) };
}

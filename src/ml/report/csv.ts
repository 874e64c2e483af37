/** The report's tables as CSV, for spreadsheets and scripts (the HTML and Markdown are for people). */
import { stringify } from 'csv-stringify/sync';
import type { ExperimentResult, Summary } from '../metrics/schemas.ts';
import { leaderboard } from './analysis.ts';
import { allParamKeys } from './param-format.ts';

/** csv-stringify writes booleans as 1 and an empty string by default; true/false reads better. */
const CAST = { cast: { boolean: (b: boolean) => String(b) } };

/** Scalars as they are, structured values as JSON: the CSV is for programs. */
const csvValue = (v: unknown): string | number | boolean => (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? v : JSON.stringify(v));

export function leaderboardCsv(s: Summary): string {
  const keys = allParamKeys(s);
  const rows = leaderboard(s).map((e) => [
    e.rank,
    e.id,
    e.kind,
    e.role,
    ...keys.map((k) => (k in e.params ? csvValue(e.params[k]) : '')),
    e.val_accuracy,
    e.test_accuracy,
    e.test_loss ?? '',
    e.param_count,
    e.epochs,
  ]);
  const header = ['rank', 'id', 'kind', 'role', ...keys.map((k) => `param_${k}`), 'val_accuracy', 'test_accuracy', 'test_loss', 'param_count', 'epochs'];
  return stringify(rows, { header: true, columns: header, ...CAST });
}

/** Long format (one row per experiment and class): easy to filter and pivot. */
export function perClassCsv(s: Summary): string {
  const rows = leaderboard(s).flatMap((e) =>
    s.class_names.map((c, i) => {
      const row = e.confusion[i] ?? [];
      return [e.id, e.role, c, e.per_class[c] ?? '', row[i] ?? '', row.reduce((a, b) => a + b, 0)];
    }),
  );
  return stringify(rows, { header: true, columns: ['experiment', 'role', 'class', 'accuracy', 'correct', 'total'] });
}

/** The best model's matrix as a square table: rows are true classes, columns predictions. */
export function confusionCsv(s: Summary, e: ExperimentResult): string {
  const rows = e.confusion.map((row, t) => [s.class_names[t] ?? String(t), ...row]);
  return stringify(rows, { header: true, columns: ['true \\ predicted', ...s.class_names] });
}

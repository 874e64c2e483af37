/**
 * `pipeline exp show`: experiments of one or more revisions as a table, with sorting, filtering
 * and the choice of columns.
 */
import { UserError } from '../errors.ts';
import { underPrefix, type Cell } from './flatten.ts';
import type { ExperimentRow } from './collect.ts';
import type { Table } from './table.ts';

export interface ShowOptions {
  /** Also constant params and hidden prefixes. */
  all: boolean;
  hide: string[];
  sort: string | undefined;
  where: string[];
}

/** The value of a named column: "rev", "experiment", a metric, else a param (metrics win a clash). */
function cell(row: ExperimentRow, column: string): Cell | undefined {
  if (column === 'rev') return row.rev;
  if (column === 'experiment') return row.id;
  if (column in row.metrics) return row.metrics[column];
  return row.params[column];
}

export function showTable(rows: ExperimentRow[], opts: ShowOptions): Table {
  const paramCols = union(rows.map((r) => Object.keys(r.params)));
  const metricCols = union(rows.map((r) => Object.keys(r.metrics)));
  const known = new Set(['rev', 'experiment', ...paramCols, ...metricCols]);
  let shown = rows.filter(filterOf(opts.where, known));
  if (opts.sort !== undefined) shown = sorted(shown, opts.sort, known);

  const visible = (c: string): boolean => opts.all || !opts.hide.some((p) => underPrefix(c, p));
  // Judged on the rows shown: a value they all share (or none has) says nothing about their
  // differences; --all shows it.
  const varies = (c: string): boolean => opts.all || shown.length < 2 || new Set(shown.map((r) => JSON.stringify(cell(r, c)) ?? 'absent')).size > 1;
  const multiRev = new Set(rows.map((r) => r.rev)).size > 1;
  const keys = [...(multiRev ? ['rev'] : []), 'experiment'];
  // Metrics first: they are what a comparison is read for; the params after them say why.
  const columns = [
    ...keys,
    ...metricCols.filter((c) => visible(c) && varies(c)),
    ...(opts.all ? paramCols : withoutEchoes(paramCols, shown)).filter((c) => visible(c) && varies(c)),
  ];
  return { columns, keys: keys.length, rows: shown.map((r) => columns.map((c) => cell(r, c))) };
}

/**
 * Drops a param column that only repeats another: `params.train.augment.hflip` (an experiment
 * file's own setting) beside `train.augment.hflip` (the setting in effect), equal in every row.
 */
function withoutEchoes(columns: string[], rows: ExperimentRow[]): string[] {
  const names = new Set(columns);
  return columns.filter((c) => {
    const inner = c.slice(c.indexOf('.') + 1);
    if (!c.includes('.') || !names.has(inner)) return true;
    return rows.some((r) => c in r.params && JSON.stringify(r.params[c]) !== JSON.stringify(r.params[inner]));
  });
}

/** For --json: every param and metric, whatever the column options say. */
export function showJson(rows: ExperimentRow[], opts: ShowOptions): unknown {
  const known = new Set(['rev', 'experiment', ...union(rows.map((r) => [...Object.keys(r.params), ...Object.keys(r.metrics)]))]);
  let shown = rows.filter(filterOf(opts.where, known));
  if (opts.sort !== undefined) shown = sorted(shown, opts.sort, known);
  return shown.map((r) => ({ rev: r.rev, experiment: r.id, params: r.params, metrics: r.metrics }));
}

function union(lists: string[][]): string[] {
  const seen = new Set<string>();
  for (const l of lists) for (const k of l) seen.add(k);
  return [...seen];
}

function checkColumn(column: string, known: Set<string>, option: string): void {
  if (known.has(column)) return;
  const near = [...known].filter((k) => k.includes(column) || column.includes(k)).slice(0, 5);
  throw new UserError([{ field: option, message: `no column "${column}"${near.length ? ` (did you mean ${near.map((n) => `"${n}"`).join(', ')}?)` : ''}` }]);
}

/** `--sort COLUMN` ascending, `--sort COLUMN:desc` best first; rows without the value go last. */
function sorted(rows: ExperimentRow[], spec: string, known: Set<string>): ExperimentRow[] {
  const desc = spec.endsWith(':desc');
  const column = spec.replace(/:(asc|desc)$/, '');
  checkColumn(column, known, '--sort');
  return [...rows].sort((a, b) => {
    const x = cell(a, column);
    const y = cell(b, column);
    if (x === undefined || x === null) return y === undefined || y === null ? 0 : 1;
    if (y === undefined || y === null) return -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return desc ? -c : c;
  });
}

const WHERE = /^(.+?)(>=|<=|!=|=|>|<|~)(.*)$/;

/** Each operator on the comparison of the row's value with the condition's (negative: less). */
const OPS: Record<string, (order: number) => boolean> = {
  '=': (c) => c === 0,
  '!=': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

/** `--where` conditions, all of which a row must meet: `test_accuracy>=0.92`, `experiment~pool2`. */
function filterOf(conditions: string[], known: Set<string>): (row: ExperimentRow) => boolean {
  const tests = conditions.map((cond) => {
    const m = WHERE.exec(cond);
    if (!m) throw new UserError([{ field: '--where', message: `"${cond}" is not COLUMN OP VALUE with OP one of = != < <= > >= ~ (contains)` }]);
    const [, column, op, raw] = m as unknown as [string, string, string, string];
    checkColumn(column, known, '--where');
    const num = raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : undefined;
    return (row: ExperimentRow): boolean => {
      const v = cell(row, column);
      if (v === undefined || v === null) return op === '!=';
      if (op === '~') return String(v).includes(raw);
      // Numbers compare as numbers ("0.9" < "0.92"), anything else as text.
      return OPS[op]!(typeof v === 'number' && num !== undefined ? v - num : String(v).localeCompare(raw));
    };
  });
  return (row) => tests.every((t) => t(row));
}

/**
 * Rows of cells under named columns, and the three ways they are printed: an aligned text table
 * for a terminal, Markdown for a pull request, CSV for a spreadsheet. `exp show` and the diffs
 * build one and hand it here.
 */
import { stringify } from 'csv-stringify/sync';
import { unreachable } from '../errors.ts';
import type { Cell } from './flatten.ts';

export interface Table {
  columns: string[];
  /** How many leading columns name a row (rev, experiment): repeated in each block of a wide table. */
  keys?: number;
  /** undefined: the row has no such value (shown "-"); null is a value (shown "null"). */
  rows: Array<Array<Cell | undefined>>;
}

export type TextFormat = 'text' | 'md' | 'csv';

export function renderTable(t: Table, format: TextFormat): string {
  switch (format) {
    case 'csv':
      // Raw values: a spreadsheet does its own rounding.
      return stringify([t.columns, ...t.rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : c)))], { cast: { boolean: (b) => String(b) } });
    case 'md': {
      const esc = (s: string): string => s.replaceAll('|', '\\|');
      const lines = [`| ${t.columns.map(esc).join(' | ')} |`, `|${t.columns.map((_, i) => (numericColumn(t, i) ? ' ---: ' : ' --- ')).join('|')}|`];
      for (const r of t.rows) lines.push(`| ${r.map((c) => esc(formatCell(c))).join(' | ')} |`);
      return `${lines.join('\n')}\n`;
    }
    case 'text':
      return renderText(t, undefined);
    default:
      return unreachable(format);
  }
}

/** Four significant digits (accuracies read 0.9391); large values (seconds) to the unit. */
export function formatCell(c: Cell | undefined): string {
  if (c === undefined) return '-';
  if (typeof c !== 'number') return String(c);
  if (Number.isInteger(c)) return String(c);
  if (Math.abs(c) >= 1000) return c.toFixed(0);
  return String(Number(c.toPrecision(4)));
}

/** Longer cells (a list of layers as JSON) become a footnote below the table, whole. */
const LONGEST_CELL = 40;

/**
 * An aligned text table no wider than `width` (when given): columns that do not fit go to
 * further blocks below, each repeating the row's key columns, so no value is cut off.
 */
export function renderText(t: Table, width: number | undefined): string {
  const notes: string[] = [];
  const keys = Math.min(t.keys ?? 1, t.columns.length);
  const body = t.rows.map((r) =>
    r.map((c, i) => {
      const text = formatCell(c);
      if (text.length <= LONGEST_CELL) return text;
      notes.push(`[${notes.length + 1}] ${r.slice(0, keys).map(formatCell).join(' ')} ${t.columns[i]}: ${text}`);
      return `[${notes.length}]`;
    }),
  );
  const cells = [t.columns, ...body];
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const right = t.columns.map((_, i) => numericColumn(t, i));
  const blocks: number[][] = [];
  let block: number[] = [];
  let used = 0;
  for (let i = keys; i < t.columns.length; i++) {
    if (block.length > 0 && width !== undefined && used + 2 + widths[i]! > width) {
      blocks.push(block);
      block = [];
    }
    if (block.length === 0) used = [...Array(keys).keys()].reduce((sum, k) => sum + widths[k]! + 2, -2);
    block.push(i);
    used += 2 + widths[i]!;
  }
  blocks.push(block);
  const render = (cols: number[]): string =>
    cells
      .map((r) =>
        cols
          .map((i) => (right[i] ? r[i]!.padStart(widths[i]!) : r[i]!.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n');
  const keyCols = [...Array(keys).keys()];
  const text = blocks.map((b) => render([...keyCols, ...b])).join('\n\n');
  return `${text}\n${notes.length > 0 ? `\n${notes.join('\n')}\n` : ''}`;
}

function numericColumn(t: Table, i: number): boolean {
  return t.rows.some((r) => typeof r[i] === 'number') && t.rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === 'number');
}

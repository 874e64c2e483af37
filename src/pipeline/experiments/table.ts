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
    case 'text': {
      const cells = [t.columns, ...t.rows.map((r) => r.map((c) => clip(formatCell(c))))];
      const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
      const right = t.columns.map((_, i) => numericColumn(t, i));
      return `${cells
        .map((r) =>
          r
            .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
            .join('  ')
            .trimEnd(),
        )
        .join('\n')}\n`;
    }
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

/** A cell of compact JSON (a list of layers) would push every other column off the screen. */
function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

function numericColumn(t: Table, i: number): boolean {
  return t.rows.some((r) => typeof r[i] === 'number') && t.rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === 'number');
}

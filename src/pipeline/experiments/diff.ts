/**
 * `pipeline metrics diff` and `pipeline params diff`: what changed between two revisions, value by
 * value, with the numeric change. Rows present on one side only (an added or removed experiment)
 * show "-" on the other.
 */
import type { Cell, Flat } from './flatten.ts';
import { formatCell, type Table } from './table.ts';

export interface DiffEntry {
  /** The experiment (metrics) or lock entry (params) the value belongs to. */
  row: string;
  key: string;
  old: Cell | undefined;
  new: Cell | undefined;
  /** new - old when both are numbers. */
  change: number | undefined;
}

/** `all`: unchanged values too (DVC's --all). */
export function diffFlat(before: Map<string, Flat>, after: Map<string, Flat>, all: boolean): DiffEntry[] {
  const out: DiffEntry[] = [];
  for (const row of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(row) ?? {};
    const b = after.get(row) ?? {};
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
      const old = a[key];
      const now = b[key];
      const same = old !== undefined && now !== undefined && JSON.stringify(old) === JSON.stringify(now);
      if (same && !all) continue;
      // Rounded to the precision the values were written with: 0.9391 - 0.9233 is 0.0158, not 0.015800000000000036.
      const change = typeof old === 'number' && typeof now === 'number' ? Number((now - old).toPrecision(12)) : undefined;
      out.push({ row, key, old, new: now, change });
    }
  }
  return out;
}

/** `signed`: the change as "+0.0158" for people; a plain number for CSV. */
export function diffTable(entries: DiffEntry[], labels: { row: string; old: string; new: string }, signed: boolean): Table {
  const change = (c: number | undefined): Cell | undefined => (c === undefined ? undefined : signed ? `${c > 0 ? '+' : ''}${formatCell(c)}` : c);
  return {
    columns: [labels.row, 'key', labels.old, labels.new, 'change'],
    rows: entries.map((e) => [e.row, e.key, e.old, e.new, change(e.change)]),
  };
}

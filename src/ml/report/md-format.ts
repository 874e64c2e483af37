/** Small Markdown helpers: tables, escaping, numbers as the report prints them. */

/** Text for a table cell: no pipes or newlines (they end the cell), no raw HTML. */
export function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inline prose from a config or metrics file: no raw HTML. */
export function prose(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

export type Align = 'left' | 'right' | 'center';

export function table(header: string[], rows: string[][], align: Align[] = []): string {
  const sep = header.map((_, i) => {
    const a = align[i] ?? 'left';
    return a === 'right' ? '---:' : a === 'center' ? ':---:' : '---';
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(sep), ...rows.map(line)].join('\n');
}

export const pct = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)}%`;

/** Signed points: +1.23 pp. */
export const points = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)} pp`;

export const sci = (x: number): string => (x === 0 ? '0' : x.toExponential(2));

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const count = (n: number): string => n.toLocaleString('en-US');

/**
 * Shifts a fragment's headings so its top level becomes `top` (fragments are written standalone,
 * starting at # or ##); fenced code is left alone.
 */
export function shiftHeadings(md: string, top: number): string {
  const lines = md.split('\n');
  let fenced = false;
  const levels: number[] = [];
  const isHeading = lines.map((l) => {
    if (/^(```|~~~)/.test(l)) fenced = !fenced;
    const m = !fenced && /^(#{1,6})\s/.exec(l);
    if (m) levels.push(m[1]!.length);
    return Boolean(m);
  });
  if (levels.length === 0) return md;
  const delta = top - Math.min(...levels);
  return lines.map((l, i) => (isHeading[i] ? l.replace(/^#+/, (h) => '#'.repeat(Math.min(6, Math.max(1, h.length + delta)))) : l)).join('\n');
}

/** A fragment's own title gives way to the report's section heading. */
export function dropLeadingHeading(md: string): string {
  return md.replace(/^\s*#{1,6}\s[^\n]*\n*/, '');
}

/**
 * Whether `md` already holds a table whose header starts with these cells (case and spacing
 * ignored): fragments may carry the table the report would otherwise build, and it must not repeat.
 */
export function hasTable(md: string, headerStart: string[]): boolean {
  const norm = (c: string) => c.trim().toLowerCase().replace(/\s+/g, ' ');
  const want = headerStart.map(norm);
  return md.split('\n').some((line) => {
    if (!line.trimStart().startsWith('|')) return false;
    const cells = line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map(norm);
    return want.every((w, i) => cells[i] === w);
  });
}

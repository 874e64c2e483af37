/**
 * What every figure shares: fonts, and the colour of each role (the best model orange, the chosen
 * baseline blue, everything else grey) with the legend label that names it.
 */
import type { Summary } from '../metrics/schemas.ts';
import { chosenBaseline, type Role } from './analysis.ts';

export const BEST = '#e6550d';
const BASELINE = '#3182bd';
const OTHER = '#bdbdbd';
const FONT = 'Helvetica, Arial, sans-serif';

export const CONFIG = {
  font: FONT,
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 360 },
} as const;

export function roleOf(s: Summary, id: string): Role {
  if (id === s.best) return 'best';
  return id === chosenBaseline(s)?.id ? 'baseline' : 'other';
}

export function roleLabel(role: Role, id: string): string {
  if (role === 'best') return `best: ${id}`;
  return role === 'baseline' ? `best baseline: ${id}` : 'other experiments';
}

/** Color scale domain/range for the roles present, in a fixed order. */
export function roleScale(s: Summary): { domain: string[]; range: string[] } {
  const base = chosenBaseline(s);
  const domain = [roleLabel('best', s.best)];
  const range = [BEST];
  if (base && base.id !== s.best) {
    domain.push(roleLabel('baseline', base.id));
    range.push(BASELINE);
  }
  domain.push(roleLabel('other', ''));
  range.push(OTHER);
  return { domain, range };
}

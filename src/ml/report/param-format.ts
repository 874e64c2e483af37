/**
 * Experiment params in words. Grid params are a few scalars and one small object (Figure 2's
 * pooling triple); a custom experiment's params hold a whole layer list, which gets a column of
 * its own in no table: it is written out under "Custom architecture" instead.
 */
import type { ExperimentResult, Summary } from '../metrics/schemas.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Compact, as Figure 2 writes them: `{kernel: 2, stride: 2, padding: 0}` becomes `(2, 2, 0)`. */
export function formatParam(v: unknown): string {
  if (Array.isArray(v)) return `(${v.map(formatParam).join(', ')})`;
  if (isRecord(v)) return `(${Object.values(v).map(formatParam).join(', ')})`;
  return String(v);
}

function keysOf(experiments: ExperimentResult[]): string[] {
  const keys: string[] = [];
  for (const e of experiments) for (const k of Object.keys(e.params)) if (!keys.includes(k)) keys.push(k);
  return keys;
}

/** Every top-level param key, first-seen order, of the grid experiments (of all when there are none). */
export function paramKeys(s: Summary): string[] {
  const grid = s.experiments.filter((e) => e.kind === 'grid');
  return keysOf(grid.length > 0 ? grid : s.experiments);
}

/** Every top-level param key of every experiment (the CSV has room for layer lists). */
export const allParamKeys = (s: Summary): string[] => keysOf(s.experiments);

/** The leaderboard's param columns: an object-valued param lists its fields, `pool (kernel, stride, padding)`. */
export function paramColumns(s: Summary): Array<{ key: string; title: string }> {
  return paramKeys(s).map((key) => {
    const sample = s.experiments.map((e) => e.params[key]).find(isRecord);
    return { key, title: sample ? `${key} (${Object.keys(sample).join(', ')})` : key };
  });
}

/** One layer as `conv(filters 32, kernel 3, padding 1)`; a bare `{type: relu}` as `relu`. */
function formatLayer(layer: unknown): string {
  if (!isRecord(layer) || typeof layer.type !== 'string') return formatParam(layer);
  const rest = Object.entries(layer)
    .filter(([k]) => k !== 'type')
    .map(([k, v]) => `${k} ${formatParam(v)}`);
  return rest.length > 0 ? `${layer.type}(${rest.join(', ')})` : layer.type;
}

const isLayerList = (v: unknown): v is unknown[] => Array.isArray(v) && v.length > 0 && v.every((x) => isRecord(x) && typeof x.type === 'string');

/** Every param with its name, for prose: layer lists as `conv(...) → relu → ...`. */
export function describeParams(e: ExperimentResult): Array<{ name: string; text: string }> {
  return Object.entries(e.params).map(([name, v]) => {
    if (isLayerList(v)) return { name, text: v.map(formatLayer).join(' → ') };
    if (isRecord(v))
      return {
        name,
        text: Object.entries(v)
          .map(([k, x]) => `${k} ${isRecord(x) ? describeRecord(x) : formatParam(x)}`)
          .join('; '),
      };
    return { name, text: formatParam(v) };
  });
}

function describeRecord(r: Record<string, unknown>): string {
  return `(${Object.entries(r)
    .map(([k, v]) => `${k} ${formatParam(v)}`)
    .join(', ')})`;
}

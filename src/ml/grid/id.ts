/**
 * Experiment ids: readable, stable (same params -> same id) and safe as a path segment, because
 * the id names the model directory and the history file (`${id}` in pipeline.yaml outs).
 */
import type { Pool } from './schema.ts';

export interface GridPoint {
  pool: Pool;
  dropout: number;
  batchnorm: boolean;
}

/** e.g. `pool2-2-0_drop0.3_bn`; String(number) is the shortest exact form, so ids never drift. */
export function gridId(p: GridPoint): string {
  const { kernel, stride, padding } = p.pool;
  return `pool${kernel}-${stride}-${padding}_drop${String(p.dropout)}_${p.batchnorm ? 'bn' : 'nobn'}`;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isSafeId(id: string): boolean {
  return SAFE_ID.test(id) && id.length <= 100;
}

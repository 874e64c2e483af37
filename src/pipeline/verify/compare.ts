/** Compares a recorded file with a re-run's under a stage's rule; says where they first differ. */
import { fail, succeed, type Result } from '../errors.ts';
import type { VerifyRule } from './rules.ts';

/** Equal under the rule, or where the two first differ. */
export type Comparison = Result<void>;

export function compareUnderRule(rule: VerifyRule, recorded: Buffer, produced: Buffer): Comparison {
  if (rule.float32) return compareFloat32(recorded, produced, rule.float32);
  if (rule.json) return compareJson(recorded, produced, rule.json);
  return fail('no comparison declared');
}

function within(a: number, b: number, tol: { atol: number; rtol: number }): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= tol.atol + tol.rtol * Math.abs(a);
}

function compareFloat32(recorded: Buffer, produced: Buffer, tol: { atol: number; rtol: number }): Comparison {
  if (recorded.length !== produced.length || recorded.length % 4 !== 0) {
    return fail(`sizes differ or are not float32 arrays (${recorded.length} bytes recorded, ${produced.length} produced)`);
  }
  for (let i = 0; i < recorded.length; i += 4) {
    const a = recorded.readFloatLE(i);
    const b = produced.readFloatLE(i);
    if (!within(a, b, tol)) return fail(`element ${i / 4}: ${a} recorded, ${b} produced (atol ${tol.atol}, rtol ${tol.rtol})`);
  }
  return succeed(undefined);
}

function compareJson(recorded: Buffer, produced: Buffer, rule: { ignore: string[]; atol: number; rtol: number }): Comparison {
  let a: unknown;
  let b: unknown;
  try {
    a = JSON.parse(recorded.toString('utf8'));
    b = JSON.parse(produced.toString('utf8'));
  } catch (e) {
    return fail(`not JSON (${(e as Error).message})`);
  }
  const ignored = rule.ignore.map((p) => p.split('.'));
  const skip = (path: string[]): boolean => ignored.some((g) => g.length === path.length && g.every((s, i) => s === '*' || s === path[i]));
  const walk = (x: unknown, y: unknown, path: string[]): string | undefined => {
    if (skip(path)) return undefined;
    const where = path.join('.') || '(top level)';
    if (typeof x === 'number' && typeof y === 'number')
      return within(x, y, rule) ? undefined : `${where}: ${x} recorded, ${y} produced (atol ${rule.atol}, rtol ${rule.rtol})`;
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) return `${where}: ${x.length} items recorded, ${y.length} produced`;
      for (let i = 0; i < x.length; i++) {
        const d = walk(x[i], y[i], [...path, String(i)]);
        if (d) return d;
      }
      return undefined;
    }
    if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x) && !Array.isArray(y)) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])];
      for (const k of keys) {
        const d = walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], [...path, k]);
        if (d) return d;
      }
      return undefined;
    }
    return JSON.stringify(x) === JSON.stringify(y) ? undefined : `${where}: ${JSON.stringify(x)} recorded, ${JSON.stringify(y)} produced`;
  };
  const detail = walk(a, b, []);
  return detail ? fail(detail) : succeed(undefined);
}

/**
 * "Did you mean": the known name a misspelt one was most likely meant to be, and the keys a zod
 * schema accepts at a key path (to offer as those names). Used where a config key is unknown.
 */
import type { z } from 'zod';
import type { KeyPath } from './yaml-file.ts';

/** The closest candidate within 2 edits (1 for names of up to 4 letters), or undefined. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = word.length <= 4 ? 1 : 2;
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    if (c === word) continue;
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d <= limit && (!best || d < best.d)) best = { name: c, d };
  }
  return best?.name;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Internals of zod 4 schemas this walk reads: each kind's def names its inner schemas. */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
}

/** The mapping keys `schema` accepts at `path` (through wrappers, unions, records and arrays). */
export function schemaKeysAt(schema: z.ZodType, path: KeyPath): string[] {
  const out = new Set<string>();
  const visit = (s: z.ZodType | undefined, rest: KeyPath, depth: number): void => {
    if (!s || depth > 64) return;
    const def = (s as unknown as { _zod: { def: Def } })._zod.def;
    const next = (inner: z.ZodType | undefined): void => visit(inner, rest, depth + 1);
    switch (def.type) {
      case 'object':
        if (rest.length === 0) for (const k of Object.keys(def.shape ?? {})) out.add(k);
        else visit(def.shape?.[String(rest[0])], rest.slice(1), depth + 1);
        return;
      case 'record':
        if (rest.length > 0) visit(def.valueType, rest.slice(1), depth + 1);
        return;
      case 'array':
        if (rest.length > 0) visit(def.element, rest.slice(1), depth + 1);
        return;
      case 'union':
        for (const o of def.options ?? []) next(o);
        return;
      case 'intersection':
        next(def.left);
        next(def.right);
        return;
      case 'pipe':
        next(def.in);
        return;
      case 'lazy':
        next(def.getter?.());
        return;
      default:
        next(def.innerType); // optional, nullable, default, prefault, catch, readonly, ...
    }
  };
  visit(schema, path, 0);
  return [...out];
}

/**
 * "Did you mean": the known name a misspelt one was most likely meant to be, and the keys a zod
 * schema accepts at a key path (to offer as those names). Used where a config key is unknown.
 */
import type { z } from 'zod';
import { closest } from '../cli/commands/did-you-mean.ts';
import type { KeyPath } from './yaml-file.ts';

/** The known name `word` most likely misspells (the CLI's own "did you mean" rule), or undefined. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  return closest(
    word,
    [...candidates].filter((c) => c !== word),
  );
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

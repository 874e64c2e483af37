/** Nested JSON as one level of dotted keys, the shape every table and diff here works on. */

export type Cell = string | number | boolean | null;
export type Flat = Record<string, Cell>;

/**
 * `arrays`: "json" keeps an array as one cell of compact JSON (a layer list is one param);
 * "skip" drops it (a confusion matrix or an epoch history is not one metric).
 * `leaves`: which scalar types are kept (metrics keep numbers and booleans, not ids or prose).
 */
export function flatten(value: unknown, opts: { arrays: 'json' | 'skip'; leaves: 'all' | 'numeric' }): Flat {
  const out: Flat = {};
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) {
      if (opts.arrays === 'json' && key) out[key] = JSON.stringify(v);
      return;
    }
    if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) walk(child, key ? `${key}.${k}` : k);
      return;
    }
    if (!key || v === undefined) return;
    if (opts.leaves === 'numeric' && typeof v !== 'number' && typeof v !== 'boolean') return;
    out[key] = v as Cell;
  };
  walk(value, '');
  return out;
}

/** Keeps the keys equal to a prefix or below it ("train" keeps "train.epochs"); all without prefixes. */
export function keepPrefixes(flat: Flat, prefixes: string[] | undefined): Flat {
  if (!prefixes) return flat;
  const out: Flat = {};
  for (const [k, v] of Object.entries(flat)) if (prefixes.some((p) => underPrefix(k, p))) out[k] = v;
  return out;
}

export function underPrefix(key: string, prefix: string): boolean {
  return key === prefix || key.startsWith(`${prefix}.`);
}

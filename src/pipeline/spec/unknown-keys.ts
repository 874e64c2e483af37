/**
 * Config keys a stage's params schema silently dropped. zod's z.object() strips keys it does not
 * know, so a misspelt key (`tolerence:`) in a stage whose schema is not strict would be ignored
 * without a word, and the run would use the default. Comparing what went in with what came out
 * finds those keys for every stage, whatever its schema style.
 */
import { isPlainObject } from './configs.ts';
import type { KeyPath } from './yaml-file.ts';

/** Paths (in `input`) of the mapping keys that are absent from `output`. */
export function droppedKeys(input: unknown, output: unknown, at: KeyPath = []): KeyPath[] {
  if (Array.isArray(input) && Array.isArray(output) && input.length === output.length) {
    return input.flatMap((v, i) => droppedKeys(v, output[i], [...at, i]));
  }
  if (!isPlainObject(input) || !isPlainObject(output)) return [];
  const out: KeyPath[] = [];
  for (const [k, v] of Object.entries(input)) {
    if (!(k in output)) out.push([...at, k]);
    else out.push(...droppedKeys(v, output[k], [...at, k]));
  }
  return out;
}

/**
 * The key path a problem's dotted field names ("experiments.net.v2.layers[3].kernel", or zod's
 * "layers.3.kernel"), matched against the config tree so that keys containing dots (experiment
 * ids) stay whole. `rest` is what did not match (free text such as " (maxpool)").
 */
export function keyPathOf(tree: unknown, field: string): { path: KeyPath; rest: string } {
  const out: Array<string | number> = [];
  let cur = tree;
  let rest = field;
  while (rest) {
    const index = Array.isArray(cur) ? /^(?:\[(\d+)\]|(\d+)(?=$|[.[]))\.?/.exec(rest) : null;
    if (index && Array.isArray(cur)) {
      const i = Number(index[1] ?? index[2]);
      out.push(i);
      cur = cur[i];
      rest = rest.slice(index[0].length);
      continue;
    }
    if (!isPlainObject(cur)) break;
    const key = Object.keys(cur)
      .filter((k) => rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`))
      .sort((a, b) => b.length - a.length)[0];
    if (key === undefined) break;
    out.push(key);
    cur = cur[key];
    rest = rest.slice(key.length).replace(/^\./, '');
  }
  return { path: out, rest };
}

/** Turns zod issues into located problems, one per issue (one per unknown key), naming the field. */
import type { z } from 'zod';
import type { Problem, SourceLocation } from '../errors.ts';
import { nearest, schemaKeysAt } from './near-miss.ts';
import type { KeyPath } from './yaml-file.ts';

export function fieldName(path: KeyPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

type Issue = z.core.$ZodIssue;
type Segment = string | number;

const pathOf = (issue: Issue): Segment[] => issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
const same = (a: KeyPath, b: KeyPath): boolean => a.length === b.length && a.every((s, i) => String(s) === String(b[i]));

/**
 * `schema`: the schema that raised the issues, so an unknown key can be offered the known key it
 * most likely misspells ("did you mean learning_rate"); a required key that the misspelling left
 * unset is then not reported a second time (the typo is the one thing to fix).
 */
export function zodProblems(
  error: z.ZodError,
  locate: (path: KeyPath, atKey?: boolean) => SourceLocation,
  prefix: KeyPath = [],
  schema?: z.ZodType,
): Problem[] {
  const issues = error.issues as Issue[];
  const missing = issues.filter((i) => i.code === 'invalid_type' && /received undefined$/.test(i.message));
  // First what each unknown key most likely meant, so that the unset key it explains is skipped
  // wherever zod listed it.
  const meant = new Map<Issue, Array<string | undefined>>();
  const explained = new Set<Issue>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const at = pathOf(issue);
    const unset = missing.filter((m) => same(pathOf(m).slice(0, -1), at));
    const known = [...unset.map((m) => String(pathOf(m).at(-1))), ...(schema ? schemaKeysAt(schema, at) : [])];
    const guesses = issue.keys.map((key) => nearest(key, known));
    meant.set(issue, guesses);
    for (const m of unset) if (guesses.includes(String(pathOf(m).at(-1)))) explained.add(m);
  }
  const problems: Problem[] = [];
  for (const issue of issues) {
    const at = [...prefix, ...pathOf(issue)];
    if (explained.has(issue)) continue;
    if (issue.code === 'unrecognized_keys') {
      // Each unknown key at its own line, which is where the user has to look.
      issue.keys.forEach((key, i) => {
        const guess = meant.get(issue)?.[i];
        problems.push(located([...at, key], `unknown key "${key}"${guess === undefined ? '' : ` (did you mean ${guess}?)`}`, true));
      });
    } else if (issue.code === 'invalid_key') {
      // A record key that fails its own schema: say why, at the key.
      problems.push(located(at, issue.issues[0]?.message ?? issue.message, true));
    } else problems.push(located(at, issue.message, false));
  }
  return problems;

  function located(path: KeyPath, message: string, atKey: boolean): Problem {
    return { location: locate(path, atKey), field: fieldName(path) || undefined, message } as Problem;
  }
}

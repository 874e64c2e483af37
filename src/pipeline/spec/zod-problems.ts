/** Turns zod issues into located problems, one per issue, naming the field. */
import type { z } from 'zod';
import type { Problem, SourceLocation } from '../errors.ts';
import type { KeyPath } from './yaml-file.ts';

export function fieldName(path: KeyPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

export function zodProblems(error: z.ZodError, locate: (path: KeyPath, atKey?: boolean) => SourceLocation, prefix: KeyPath = []): Problem[] {
  return error.issues.map((issue) => {
    let path: Array<string | number> = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    let message = issue.message;
    let atKey = false;
    if (issue.code === 'unrecognized_keys') {
      // Point at the first unknown key itself, which is where the user has to look.
      const key = issue.keys[0];
      if (key !== undefined) path = [...path, key];
      message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      atKey = true;
    } else if (issue.code === 'invalid_key') {
      // A record key that fails its own schema: say why, at the key.
      message = issue.issues[0]?.message ?? message;
      atKey = true;
    }
    return { location: locate(path, atKey), field: fieldName(path) || undefined, message };
  }) as Problem[];
}

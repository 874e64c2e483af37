/**
 * What a stage declares about outputs that are not byte-for-byte reproducible (wall times in a
 * history file, floats from another backend): which files, and how close is close enough.
 * Without a rule, `pipeline verify` accepts only identical bytes.
 */
import * as z from 'zod';

const tolerance = {
  /** |recorded - produced| <= atol + rtol * |recorded|, for every number compared. */
  atol: z.number().nonnegative().default(0),
  rtol: z.number().nonnegative().default(0),
};

export const VerifyRuleSchema = z
  .strictObject({
    /** Project-relative paths of the files it covers: `*` within one path segment, `**` across them. */
    files: z.string().min(1),
    /** Compared as JSON: equal structure, numbers within tolerance, `ignore`d key paths skipped. */
    json: z
      .strictObject({
        /** Dotted key paths never compared (timings); `*` stands for any key or array index. */
        ignore: z.array(z.string().min(1)).default([]),
        ...tolerance,
      })
      .optional(),
    /** Compared as little-endian float32 arrays (weights), element by element within tolerance. */
    float32: z.strictObject(tolerance).optional(),
  })
  .refine((r) => (r.json === undefined) !== (r.float32 === undefined), { message: 'a rule compares as json or as float32 (exactly one)' });
export type VerifyRule = z.infer<typeof VerifyRuleSchema>;
export type VerifyRuleInput = z.input<typeof VerifyRuleSchema>;

export const VerifyRulesSchema = z.array(VerifyRuleSchema);

export function globMatches(glob: string, file: string): boolean {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (ch === '*') re += '[^/]*';
    else re += ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(file);
}

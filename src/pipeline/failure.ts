/**
 * A failure sent by another process, read back: what a stage's process, a SLURM job or a queue
 * worker answers when it fails (errors.ts' encodeFailure makes it). What arrives is not trusted:
 * it is checked against FailureSchema, and one that does not match becomes a clear Error naming
 * the sender, never a crash. Apart from errors.ts because reading needs zod, which every command
 * would otherwise load at its start and every stage process with it.
 */
import * as z from 'zod';
import { UserError, type Problem } from './errors.ts';

const ProblemSchema = z.strictObject({
  location: z.strictObject({ file: z.string(), line: z.number(), column: z.number() }).optional(),
  field: z.string().optional(),
  message: z.string(),
  unsafePath: z.literal(true).optional(),
}) satisfies z.ZodType<Problem>;

export const FailureSchema = z.strictObject({
  /** What the sender's error said: for a UserError, its problems on one line each. */
  message: z.string(),
  /** Present for a UserError: the problems it carried, located. */
  problems: z.array(ProblemSchema).optional(),
  /** A bug's stack trace, from where it was thrown. */
  stack: z.string().optional(),
});
export type Failure = z.infer<typeof FailureSchema>;

/**
 * The error `from` ("the stage process", "worker w1") failed with: a UserError when it sent
 * problems, else an Error with its message and stack; a payload that is not a failure is an Error
 * that says so.
 */
export function decodeFailure(x: unknown, from: string): UserError | Error {
  const parsed = FailureSchema.safeParse(x);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return new Error(`${from} failed, and sent a failure this version cannot read (${where}${issue?.message ?? 'not a failure'})`);
  }
  const { message, problems, stack } = parsed.data;
  if (problems) return new UserError(problems);
  const err = new Error(message);
  if (stack) err.stack = stack;
  return err;
}

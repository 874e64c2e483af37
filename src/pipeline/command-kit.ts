/**
 * What the commands outside `run` share: options parsed into a user error rather than a throw,
 * and user errors printed as one line each with exit code 2 (bugs still throw).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatProblem, isUserError, UserError } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

export async function exitCodeOf(body: () => Promise<number>, err: (text: string) => void = (t) => process.stderr.write(t)): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (!isUserError(e)) throw e;
    for (const p of e.problems) err(`pipeline: ${formatProblem(p)}\n`);
    return 2;
  }
}

/**
 * What every command shares: the one output port (`Io`), the arguments the command table parsed,
 * and the handler shape `(args, io) => exit code`. A handler never writes to the process streams
 * itself, so tests can run it in-process and read what it printed.
 */
import { formatProblem, isUserError } from '../errors.ts';
import type { OptionValues } from './command-table.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** The width of the terminal `out` goes to; undefined when it is not one (a pipe, a file, a test). */
  readonly columns?: number;
}

export const stdio: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  // $COLUMNS first: it lets a user (or a script) choose the width.
  get columns() {
    return Number(process.env.COLUMNS) || process.stdout.columns || undefined;
  },
};

/** One line at a time, for code that prints lines (reporters, remote transfers). */
export const lineOf =
  (write: (text: string) => void) =>
  (line: string): void =>
    write(`${line}\n`);

export interface CommandArgs {
  /** The table's name of the command: "run", "exp show", "remote add". */
  command: string;
  /** The directory the command was started in (the project root, or a profile's workspace in it). */
  cwd: string;
  /** What follows the command's name that is not an option: stages, revisions, names. */
  positionals: string[];
  values: OptionValues;
}

export type Handler = (args: CommandArgs, io: Io) => Promise<number>;

/** User errors become one `pipeline: ` line each and exit code 2; bugs still throw. */
export async function exitCodeOf(body: () => Promise<number>, err: (text: string) => void = stdio.err): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (!isUserError(e)) throw e;
    for (const p of e.problems) err(`pipeline: ${formatProblem(p)}\n`);
    return 2;
  }
}

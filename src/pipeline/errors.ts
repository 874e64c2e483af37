import type { Failure } from './failure.ts';

/** Where in a user's file a problem is. Lines and columns are 1-based, as editors show them. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface Problem {
  location?: SourceLocation;
  /** The field at fault, as a dotted path ("stages.train.outs[1]"); omitted when the whole file is at fault. */
  field?: string;
  message: string;
  /**
   * Set when the problem is data from outside naming a path that would write outside its place
   * (a record, a listing, a job): callers refuse the whole of it, and say so, rather than calling
   * it corrupt or another version's.
   */
  unsafePath?: true;
}

/**
 * The one shape of an expected failure as a value (a file that cannot be parsed, a cache entry
 * that cannot be used): the value, or the located problems that stopped it. Only bugs throw;
 * a UserError carries the same problems to the CLI.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/**
 * A value made in spite of problems that left parts of it out: it worked, with warnings (a lock
 * with a malformed entry ignored, a push with an object missing). The caller uses the value and
 * says the problems; where problems mean the value cannot be used, the shape is Result instead.
 */
export interface WithProblems<T> {
  value: T;
  problems: Problem[];
}

export function succeed<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** A failed Result from one problem (a bare message when it has no place in a file) or several. */
export function fail(problems: Problem | Problem[] | string): { ok: false; problems: Problem[] } {
  return { ok: false, problems: typeof problems === 'string' ? [{ message: problems }] : Array.isArray(problems) ? problems : [problems] };
}

/** The problems of a failed Result on one line each, as the CLI prints them. */
export function formatProblems(problems: Problem[]): string {
  return problems.map(formatProblem).join('\n');
}

/** Whether `e` is a file system error with one of these codes (ENOENT: "not there"). */
export function isErrno(e: unknown, ...codes: string[]): e is NodeJS.ErrnoException {
  return e instanceof Error && codes.includes((e as NodeJS.ErrnoException).code ?? '');
}

export function formatProblem(p: Problem): string {
  const where = p.location ? `${p.location.file}:${p.location.line}:${p.location.column}: ` : '';
  const field = p.field ? `${p.field}: ` : '';
  return `${where}${field}${p.message}`;
}

const USER_ERROR = Symbol.for('fashion-pipeline.UserError');

/**
 * A mistake the user can fix (bad YAML, a failed download, a checksum mismatch). The CLI prints
 * each problem on one line, without a stack trace, and exits with code 2. Bugs throw plain Errors.
 */
export class UserError extends Error {
  readonly problems: Problem[];
  /**
   * The brand isUserError tests. A stage module loaded through tsx, the bundled runner and a
   * child process each have their own copy of this class, so instanceof fails across them; a
   * registered symbol is the same in every copy, and unlike the class name no other error has it.
   */
  readonly [USER_ERROR] = true;
  constructor(problems: Problem[] | string) {
    const list = typeof problems === 'string' ? [{ message: problems }] : problems;
    super(formatProblems(list));
    this.name = 'UserError';
    this.problems = list;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof Error && (e as Partial<Record<typeof USER_ERROR, unknown>>)[USER_ERROR] === true && Array.isArray((e as UserError).problems);
}

/**
 * A failure as it crosses a process boundary (a stage's process, a SLURM job, a queue worker): a
 * plain object, the problems when it is a UserError (the receiver throws one again: exit 2), the
 * stack when it is a bug. failure.ts' decodeFailure reads it back, checked against its schema;
 * it lives there so that what only sends (every stage process) never loads zod.
 */
export function encodeFailure(e: unknown): Failure {
  // Only the fields the schema knows: a stage's own copy of UserError may carry problems with more.
  if (isUserError(e)) return { message: e.message, problems: e.problems.map(wireProblem) };
  const err = e instanceof Error ? e : undefined;
  return { message: err ? err.message : String(e), ...(err?.stack ? { stack: err.stack } : {}) };
}

function wireProblem(p: Problem): Problem {
  return {
    ...(p.location ? { location: { file: p.location.file, line: p.location.line, column: p.location.column } } : {}),
    ...(p.field !== undefined ? { field: p.field } : {}),
    message: p.message,
    ...(p.unsafePath ? { unsafePath: true as const } : {}),
  };
}

export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}

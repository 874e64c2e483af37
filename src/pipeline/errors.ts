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
}

export function formatProblem(p: Problem): string {
  const where = p.location ? `${p.location.file}:${p.location.line}:${p.location.column}: ` : '';
  const field = p.field ? `${p.field}: ` : '';
  return `${where}${field}${p.message}`;
}

/**
 * A mistake the user can fix (bad YAML, a failed download, a checksum mismatch). The CLI prints
 * each problem on one line, without a stack trace, and exits with code 2. Bugs throw plain Errors.
 */
export class UserError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[] | string) {
    const list = typeof problems === 'string' ? [{ message: problems }] : problems;
    super(list.map(formatProblem).join('\n'));
    this.name = 'UserError';
    this.problems = list;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof Error && e.name === 'UserError' && Array.isArray((e as UserError).problems);
}

export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}

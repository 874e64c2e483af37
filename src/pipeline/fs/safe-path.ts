/**
 * The one rule for a path that arrives from outside this process: a run record or manifest from
 * a remote (or a hand-edited local one), a pipeline.lock entry read from git, a queue job or a
 * worker's answer. Such a path names a file inside a declared out, so it must be a plain relative
 * POSIX path that cannot climb out of it. The rule is checked twice: when the text is parsed (the
 * zod schemas below, so a bad record is refused whole with the offending path named) and where
 * bytes are written (safeDestination: the resolved file lies inside its out, and no directory on
 * the way is a symlink), so that a schema someone forgets cannot open a hole by itself. Also the
 * one test of whether a project-relative path lies inside another (`isInside`).
 */
import { constants } from 'node:fs';
import { lstat, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { fail, succeed, type Problem, type Result } from '../errors.ts';

/** Linux's PATH_MAX and NAME_MAX: anything longer could not be written here anyway. */
export const MAX_PATH_BYTES = 4096;
export const MAX_SEGMENT_BYTES = 255;

/** Opens a file for writing without following a symlink planted at its name. */
export const WRITE_NO_FOLLOW = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/** Why `p` is not a safe relative path (a flagged problem naming it), or undefined when it is. */
export function unsafePathProblem(p: string): Problem | undefined {
  const refused = (why: string): Problem => unsafe(p, why);
  if (p.length === 0) return refused('it is empty');
  if (Buffer.byteLength(p) > MAX_PATH_BYTES) return refused(`it is longer than ${MAX_PATH_BYTES} bytes`);
  if (p.startsWith('/')) return refused('it is absolute');
  if (p.includes('\\')) return refused('it holds a backslash');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p)) return refused('it holds a NUL or control character');
  for (const segment of p.split('/')) {
    if (segment === '') return refused('it has an empty segment');
    if (segment === '.' || segment === '..') return refused(`it has a "${segment}" segment`);
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) return refused(`a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return undefined;
}

/** A path as a message shows it: quoted with control characters escaped, and cut when very long. */
export function shownPath(p: string): string {
  const quoted = JSON.stringify(p);
  return quoted.length > 90 ? `${quoted.slice(0, 60)}…" (${p.length} characters)` : quoted;
}

const UNSAFE = 'unsafe path';

/** A relative path inside an out (or an out inside the project), as every schema of outside data takes it. */
export const SafeRelPath = z.string().superRefine((p, ctx) => {
  const problem = unsafePathProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: problem.message });
});

/**
 * A directory's files: safe paths, none twice, none inside another (a file "a" and a file "a/b"
 * cannot both exist; the second write would fail or, worse, replace the first).
 */
export function dirFilesSchema<T extends z.ZodObject<{ path: z.ZodType<string> }>>(file: T) {
  return z.array(file).superRefine((files, ctx) => {
    const seen = new Set<string>();
    for (const f of files as Array<{ path: string }>) {
      if (seen.has(f.path)) ctx.addIssue({ code: 'custom', message: `${UNSAFE} ${shownPath(f.path)}: it is listed twice` });
      seen.add(f.path);
    }
    for (const p of seen) {
      const segments = p.split('/');
      for (let i = 1; i < segments.length; i++) {
        const parent = segments.slice(0, i).join('/');
        if (seen.has(parent)) {
          ctx.addIssue({ code: 'custom', message: `${UNSAFE} ${shownPath(p)}: it lies inside ${shownPath(parent)}, which is listed as a file` });
          return;
        }
      }
    }
  });
}

/**
 * A schema failure as one problem on one line ("field: what"). An unsafe path comes first and is
 * flagged (`unsafePath`), so the user sees which record tried to climb out of which out.
 */
export function schemaIssue(error: z.ZodError): Problem {
  const issues = error.issues;
  const issue = issues.find((i) => issueMessage(i).startsWith(UNSAFE)) ?? issues[0];
  if (!issue) return { message: 'it does not match its schema' };
  const where = issue.code === 'invalid_key' ? issue.path.slice(0, -1) : issue.path;
  const field = where.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
  const what = issueMessage(issue);
  return { message: `${field ? `${field}: ` : ''}${what}`, ...(what.startsWith(UNSAFE) ? { unsafePath: true as const } : {}) };
}

/** schemaIssue's line, for a sentence that embeds it. */
export function schemaProblem(error: z.ZodError): string {
  return schemaIssue(error).message;
}

/** A problem naming an unsafe path: `rel`, and why it is one. */
function unsafe(rel: string, why: string): Problem {
  return { message: `${UNSAFE} ${shownPath(rel)}: ${why}`, unsafePath: true };
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key' && issue.issues[0]) return issue.issues[0].message;
  return issue.message;
}

/** Does `p` lie inside `dir` (both absolute and resolved)? */
export function isWithin(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * Where the file `rel` of an out rooted at `outRoot` is written, with its parent directories made:
 * only when the destination lies inside `outRoot` and no directory between them is a symlink (or
 * a file, which a colliding listing would make). Open the result with WRITE_NO_FOLLOW, so that a
 * symlink at the file's own name is not followed either.
 */
export async function safeDestination(outRoot: string, rel: string): Promise<Result<string>> {
  const problem = unsafePathProblem(rel);
  if (problem) return fail(problem);
  const dest = path.resolve(outRoot, ...rel.split('/'));
  if (!isWithin(dest, outRoot) || dest === outRoot) return fail(unsafe(rel, 'it resolves outside its out'));
  let dir = outRoot;
  for (const segment of [...path.relative(outRoot, path.dirname(dest)).split(path.sep)].filter(Boolean)) {
    dir = path.join(dir, segment);
    const st = await lstat(dir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (!st) {
      await mkdir(dir);
      continue;
    }
    if (st.isSymbolicLink()) return fail(unsafe(rel, `${path.relative(outRoot, dir)} on its way is a symlink`));
    if (!st.isDirectory()) return fail(unsafe(rel, `${path.relative(outRoot, dir)} on its way is a file`));
  }
  return succeed(dest);
}

/**
 * Why placing `declared` in the workspace at `root` would write outside it: an unsafe path, or a
 * directory on its way that is a symlink leading out of the project. Undefined when the place is safe.
 */
export async function workspacePlaceProblem(root: string, declared: string): Promise<Problem | undefined> {
  const unsafePath = unsafePathProblem(declared);
  if (unsafePath) return unsafePath;
  const realRoot = await realpath(root);
  let dir = root;
  for (const segment of declared.split('/').slice(0, -1)) {
    dir = path.join(dir, segment);
    const st = await lstat(dir).catch(() => undefined);
    if (!st) return undefined; // made fresh by the move, below a checked parent
    if (!st.isSymbolicLink()) continue;
    const target = await realpath(dir).catch(() => undefined);
    if (!target || !isWithin(target, realRoot)) {
      return {
        message: `${declared}: ${path.relative(root, dir)} is a symlink that leads outside the project${target ? ` (to ${target})` : ''}; nothing placed there`,
      };
    }
  }
  return undefined;
}

/**
 * Whether project-relative `child` (posix, as pipeline.yaml writes it, no trailing slash) is
 * `parent` or lies below it; "." (the project root) holds everything.
 */
export function isInside(child: string, parent: string): boolean {
  return child === parent || parent === '.' || child.startsWith(`${parent}/`);
}

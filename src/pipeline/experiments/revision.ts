/**
 * Files as they are at one revision: the working tree, or a git commit read with `git show REV:path`
 * so that comparing runs never checks anything out (the workspace, the lock and the cache stay as
 * they are).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../errors.ts';

const run = promisify(execFile);

/** The name a user gives the working tree on the command line (DVC says "workspace" too). */
export const WORKSPACE = 'workspace';

export interface Revision {
  /** As the user wrote it ("HEAD~1", "workspace"), for row labels and messages. */
  label: string;
  /** Where its runs are recorded, in words: "pipeline.lock at HEAD", "profiles/quick/pipeline.lock". */
  where: string;
  /** The text of a project-relative file, or undefined when the revision has no such file. */
  read(rel: string): Promise<string | undefined>;
}

/**
 * `workspace`: the folder "workspace" means, when it is not `root` (a profile's workspace, whose
 * runs are its own while git revisions are the project's).
 */
export async function openRevision(root: string, rev: string, workspace: string = root): Promise<Revision> {
  if (rev === WORKSPACE) return workingTree(workspace, path.relative(root, workspace));
  const commit = await resolveCommit(root, rev);
  // Paths in `git show REV:path` are relative to the repository's top, which may lie above root.
  const prefix = await git(root, ['rev-parse', '--show-prefix']);
  return {
    label: rev,
    where: `pipeline.lock at ${rev}`,
    async read(rel) {
      try {
        return await git(root, ['show', `${commit}:${prefix.trim()}${rel}`]);
      } catch {
        return undefined; // not in that commit
      }
    },
  };
}

function workingTree(root: string, fromProject: string): Revision {
  return {
    label: WORKSPACE,
    where: fromProject ? `${fromProject}/pipeline.lock` : 'pipeline.lock',
    async read(rel) {
      try {
        return await readFile(path.join(root, rel), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new UserError([{ field: rel, message: `cannot read: ${(e as Error).message}` }]);
      }
    },
  };
}

async function resolveCommit(root: string, rev: string): Promise<string> {
  try {
    await git(root, ['rev-parse', '--is-inside-work-tree']);
  } catch {
    throw new UserError(`revision "${rev}": ${root} is not inside a git repository (only "${WORKSPACE}" can be read)`);
  }
  try {
    return (await git(root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])).trim();
  } catch {
    throw new UserError(`revision "${rev}": git knows no such commit`);
  }
}

async function git(cwd: string, args: string[]): Promise<string> {
  // 256 MiB: a lock of thousands of instances is a few MiB; execFile's default 1 MiB is too small.
  const { stdout } = await run('git', args, { cwd, maxBuffer: 256 * 2 ** 20, encoding: 'utf8' });
  return stdout;
}

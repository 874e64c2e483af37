/**
 * Outputs must never overwrite files that git tracks as sources. A tracked file inside a declared
 * out is allowed only when pipeline.lock records that out for that instance: the project's small
 * committed results (metrics, the report) are tracked on purpose and recorded. Anything else that
 * git tracks there (a module under src/, a hand-written document) is somebody's source, and a run
 * would replace it with a stage's output, as DVC refuses to output a file git already tracks.
 * An out recorded for an instance that has left the pipeline is a result too: its producer was
 * renamed or split (evaluate's summary.json moving to a summary stage), and the new one takes it
 * over.
 */
import { promisify } from 'node:util';
import type { Problem } from '../errors.ts';
import type { Lock } from '../state/lock.ts';
import type { Plan } from '../plan/plan.ts';
import { isInside } from '../fs/safe-path.ts';

/** Problems for declared outs that hold git-tracked files the lock does not record as theirs. */
export async function trackedOutProblems(plan: Plan, lock: Lock): Promise<Problem[]> {
  // Outs the lock records for their instance (or for one that left the pipeline) are allowed
  // whatever git says: only the others are asked about, so an up-to-date project starts no git
  // process at all.
  const planned = new Set(plan.instances.map((i) => i.id));
  const departedOuts = new Set(
    lock
      .ids()
      .filter((id) => !planned.has(id))
      .flatMap((id) => Object.keys(lock.get(id)!.outs)),
  );
  const outs = plan.instances
    .flatMap((inst) => inst.outs.map((out, index) => ({ inst, out, index })))
    .filter(({ inst, out }) => !lock.get(inst.id)?.outs[out] && !departedOuts.has(out));
  if (outs.length === 0) return [];
  const tracked = await gitTracked(
    plan.root,
    outs.map((o) => o.out),
  );
  if (tracked.length === 0) return [];
  const problems: Problem[] = [];
  for (const { inst, out, index } of outs) {
    const inside = tracked.filter((f) => isInside(f, out));
    if (inside.length === 0) continue;
    const shown = inside.length === 1 ? `"${inside[0]}"` : `${inside.length} files ("${inside[0]}", ...)`;
    problems.push({
      location: inst.outLocations[index],
      field: `${inst.id}.outs[${index}]`,
      message:
        `"${out}" would replace ${shown} that git tracks and pipeline.lock does not record as ${inst.id}'s output; ` +
        'choose another path, or untrack it (git rm --cached) if this stage should own it',
    });
  }
  return problems;
}

/** Tracked files at or under the given project paths; none when the project is not in git. */
async function gitTracked(root: string, paths: string[]): Promise<string[]> {
  // Loaded only when git must be asked: an up-to-date project never does (see above).
  const { execFile } = await import('node:child_process');
  const run = promisify(execFile);
  try {
    // --full-name would be wrong when root is below the repository's top: paths stay root-relative.
    const { stdout } = await run('git', ['ls-files', '-z', '--', ...paths], {
      cwd: root,
      env: { ...process.env, GIT_LITERAL_PATHSPECS: '1' },
      maxBuffer: 64 * 2 ** 20,
    });
    return stdout.split('\0').filter(Boolean);
  } catch (e) {
    const err = e as { code?: string | number };
    // No git on the machine, or not a work tree (exit 128): nothing is tracked.
    if (err.code === 'ENOENT' || err.code === 128) return [];
    throw e;
  }
}

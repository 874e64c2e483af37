/** The runner's private state under .pipeline/ (ignored by git). */
import path from 'node:path';

export function stateDirs(root: string) {
  const base = path.join(root, '.pipeline');
  return {
    base,
    /** Outputs of running instances; wiped at the start of each run (under the run lock). */
    tmp: path.join(base, 'tmp'),
    /** Old outputs being replaced; wiped at the start of each run. */
    trash: path.join(base, 'trash'),
    /** Per-instance scratch (checkpoints, partial downloads); kept until the instance completes. */
    scratch: (id: string) => path.join(base, 'scratch', id),
    hashes: path.join(base, 'hashes.json'),
    runLock: path.join(base, 'run.lock'),
  };
}

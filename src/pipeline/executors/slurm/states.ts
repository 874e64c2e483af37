/**
 * SLURM job states, as squeue and sacct print them, sorted into what the executor does next:
 * wait, take the result, submit again (the job ended for a reason that is not its own; the next
 * attempt resumes from the instance's checkpoint), or fail with a line that says why.
 */

/** What to do about a job in this state. */
export type Verdict = 'waiting' | 'completed' | 'resubmit' | 'failed';

/** States in which the job has not ended (PREEMPTED jobs that SLURM requeues pass through REQUEUED). */
const WAITING = new Set([
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'STOPPED',
  'RESIZING',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'SIGNALING',
  'STAGE_OUT',
  'RESV_DEL_HOLD',
]);

/** Ended by the cluster or another person, not by the stage: worth another attempt. */
const NOT_ITS_OWN = new Set(['CANCELLED', 'PREEMPTED', 'NODE_FAIL', 'BOOT_FAIL']);

/** sacct writes "CANCELLED by 1000"; squeue just "CANCELLED". */
export function baseState(raw: string): string {
  return raw.trim().split(/\s+/)[0]!.replace(/\+$/, '').toUpperCase();
}

export function verdict(state: string): Verdict {
  const s = baseState(state);
  if (WAITING.has(s)) return 'waiting';
  if (s === 'COMPLETED') return 'completed';
  if (NOT_ITS_OWN.has(s)) return 'resubmit';
  return 'failed';
}

/** One line for a job that ended in `state`, naming it, what it means and what to do. */
export function describeEnd(state: string, jobId: string, limits: { time?: string; mem?: string }): string {
  const s = baseState(state);
  const job = `SLURM job ${jobId}`;
  switch (s) {
    case 'COMPLETED':
      return `${job} COMPLETED`;
    case 'FAILED':
      return `${job} FAILED: the stage exited with an error`;
    case 'CANCELLED':
      return `${job} was CANCELLED (scancel by someone other than this run, or an administrator)`;
    case 'TIMEOUT':
      return `${job} hit its time limit (TIMEOUT${limits.time ? `, --time=${limits.time}` : ''}): raise slurm.resources.time (or slurm.stages.<stage>.time) in .pipeline/config.yaml`;
    case 'OUT_OF_MEMORY':
      return `${job} ran out of memory (OUT_OF_MEMORY${limits.mem ? `, --mem=${limits.mem}` : ''}): raise slurm.resources.mem (or slurm.stages.<stage>.mem) in .pipeline/config.yaml`;
    case 'NODE_FAIL':
      return `${job} lost its node (NODE_FAIL)`;
    case 'PREEMPTED':
      return `${job} was PREEMPTED by a job of higher priority`;
    case 'BOOT_FAIL':
      return `${job} could not start: its node failed to boot (BOOT_FAIL)`;
    case 'DEADLINE':
      return `${job} passed its deadline before it could finish (DEADLINE)`;
    default:
      return `${job} ended in state ${s}`;
  }
}

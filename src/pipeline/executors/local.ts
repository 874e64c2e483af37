/**
 * The default executor: each job in a child process of its own on this machine, at most `jobs` at
 * once. The executor owns its slots: a job waits here for one (longest first), runs pinned to the
 * slot's share of the cores, and gives it back when its process ends.
 */
import { availableParallelism } from 'node:os';
import { Slots } from '../run/slots.ts';
import { runStage } from '../run/steps/run.ts';
import type { Job, JobResult, StageExecutor } from './executor.ts';

export class LocalExecutor implements StageExecutor {
  readonly kind = 'local';
  private readonly slots: Slots;

  constructor(jobs: number, cores = availableParallelism()) {
    this.slots = new Slots(jobs, cores);
  }

  async run(job: Job): Promise<JobResult> {
    const slot = await this.slots.acquire(job.expectedSeconds, job.order);
    try {
      // Interrupted while it waited: start nothing new.
      if (job.signal.aborted) throw new Error('interrupted');
      job.started();
      const startedAt = performance.now();
      const place = { root: job.root, scratch: job.scratch, threads: slot.threads, cores: slot.cores };
      const result = await runStage(job.inst, job.staging, place, job.reporter, job.signal);
      return { ...result, startedAt };
    } finally {
      slot.release();
    }
  }

  async close(): Promise<void> {}
}

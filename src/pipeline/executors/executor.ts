/**
 * Where a stale instance's stage code runs: the one interface every executor implements (here,
 * child processes on this machine; queue workers; a cluster scheduler). The run itself (plan,
 * staleness, restore, the commit step, the lock) is the same for all of them; an executor only
 * turns a `Job` into complete outputs in the job's staging directory, or an error.
 *
 * Like Snakemake's executor plugins: the executor gets what it needs once, when it is made, then
 * one `run(job)` per instance; what the job needs (threads, expected time) travels on the job, and
 * an executor that queues work (slots, a queue's priorities, a cluster's scheduler) orders it by
 * the job's `expectedSeconds`, longest first.
 */
import type { Reporter } from '../events.ts';
import type { PlannedInstance } from '../plan/plan.ts';
import type { Measurements } from '../stage.ts';
import type { Observed } from '../plan/staleness.ts';
import type { Staging } from '../run/steps/staging.ts';

/** What a job asks of the machine that runs it. */
export interface Resources {
  /** Threads the stage may use (its share of the cores): ctx.threads inside the stage. */
  threads: number;
}

/** One stale instance to compute: everything an executor needs, nothing it has to look up. */
export interface Job {
  readonly inst: PlannedInstance;
  /** What the instance reads now (its fingerprint, code and dep hashes), as the decision saw it. */
  readonly observed: Observed;
  /** Where the outputs go: `staging.outs[i].temp` for each declared out. */
  readonly staging: Staging;
  /** The workspace the instance reads its deps from. */
  readonly root: string;
  /** Survives failed and interrupted runs (checkpoints); the commit step removes it. */
  readonly scratch: string;
  readonly resources: Resources;
  /** Its last recorded wall time, or an estimate; undefined: never timed (runs first). */
  readonly expectedSeconds: number | undefined;
  /** Its position in the plan: the tie-break between jobs expected to take as long. */
  readonly order: number;
  /** Progress, log lines and the worker that took it go here, as events of this instance. */
  readonly reporter: Reporter;
  /** Aborted on Ctrl-C: the executor stops the job (a child killed, a queued job cancelled) and throws. */
  readonly signal: AbortSignal;
  /**
   * The executor calls this once, when the job stops waiting (a slot is free, a worker or node
   * took it): the instance is shown as running from then on, and a failure's time counts from it.
   */
  started(): void;
}

/** What an executor hands back besides the outputs in staging. */
export interface JobResult {
  peakRssMb: number;
  /** What the stage measured of its run (ctx.measure), for the lock's run record. */
  measurements?: Measurements;
  /** The machine that ran it, when not this one (a queue worker, a cluster node). */
  worker?: string;
  /**
   * When the stage began, on this process's performance.now() clock: the lock records the time
   * from here to the commit. Elsewhere it is the worker's own start, not the submission (the
   * time a job waited in a queue is not the instance's, and later runs order by it).
   */
  startedAt: number;
}

export interface StageExecutor {
  /** A word for messages: local, queue, slurm. */
  readonly kind: string;
  /**
   * Runs the job to completion: resolves once its outputs are complete in staging, rejects with
   * its failure (a UserError for the user's mistakes: exit 2), or with an error once
   * `job.signal` aborts. Called for many jobs at once; the executor bounds and orders them.
   */
  run(job: Job): Promise<JobResult>;
  /** Shuts down after the run: connections closed, nothing left running. */
  close(): Promise<void>;
}

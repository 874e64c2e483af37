/**
 * Step 3, run: the stage's own code makes the outputs in staging. Where it runs is the one thing
 * the executors differ in: here, in a child process of its own (pinned to its share of the cores,
 * reporting progress over IPC), or on a queue worker (queue/coordinator.ts). What each hands back
 * is the same: complete outputs in staging, or an error.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { runInChild } from '../child-process.ts';
import type { Reporter } from '../events.ts';
import type { PlannedInstance } from '../plan.ts';
import { missingOuts } from '../promote.ts';
import { Slots, type Slot } from '../slots.ts';
import type { Observed } from '../staleness.ts';
import type { Staging } from './staging.ts';
import type { Measurements } from '../stage.ts';

export interface RunPlace {
  root: string;
  /** Survives failed and interrupted runs (checkpoints); removed by commit. */
  scratch: string;
  threads: number;
  cores: number[] | undefined;
}

export interface RunResult {
  peakRssMb: number;
  /** What the stage measured of its run (ctx.measure), for the lock's run record. */
  measurements?: Measurements;
  /** The queue worker that ran it; undefined when it ran here. */
  worker?: string;
  /** The worker's own time, when it ran elsewhere: the time the job waited in the queue is not the instance's. */
  seconds?: number;
}

/** Where stale instances run: `local` (child processes here, the default) or `queue` (workers). */
export interface StageExecutor {
  readonly kind: 'local' | 'queue' | 'slurm';
  /**
   * Room to run one more instance, expected to take `expectedSeconds` (undefined: never timed).
   * Local: a slot and its cores, longest first; queue: BullMQ orders the jobs by priority.
   */
  acquire(expectedSeconds: number | undefined): Promise<Slot>;
  run(
    inst: PlannedInstance,
    observed: Observed,
    staging: Staging,
    place: RunPlace,
    reporter: Reporter,
    signal: AbortSignal,
    expectedSeconds: number | undefined,
  ): Promise<RunResult>;
  close(): Promise<void>;
}

/** Today's executor: at most `jobs` child processes on this machine. */
export function localExecutor(jobs: number): StageExecutor {
  const slots = new Slots(jobs, availableParallelism());
  return {
    kind: 'local',
    acquire: (expectedSeconds) => slots.acquire(expectedSeconds),
    run: (inst, _observed, staging, place, reporter, signal) => runStage(inst, staging, place, reporter, signal),
    close: async () => {},
  };
}

export async function runStage(inst: PlannedInstance, staging: Staging, place: RunPlace, reporter: Reporter, signal: AbortSignal): Promise<RunResult> {
  const result = await runInChild(
    {
      type: 'job',
      module: inst.module,
      root: place.root,
      instance: inst.instance,
      params: inst.params,
      deps: inst.deps.map((d) => path.join(place.root, d)),
      outs: staging.outs.map((o) => o.temp),
      declaredOuts: inst.outs,
      scratch: place.scratch,
      threads: place.threads,
    },
    {
      progress: (update) => reporter.event({ type: 'progress', id: inst.id, update }),
      log: (line) => reporter.event({ type: 'log', id: inst.id, line }),
    },
    signal,
    place.cores,
  );
  // A stage that finishes after Ctrl-C is discarded: the user asked to stop, not to record.
  if (signal.aborted) throw new Error('interrupted');
  const missing = await missingOuts(staging.outs);
  if (missing.length > 0) throw new Error(`the stage finished without writing ${missing.join(', ')}`);
  return { peakRssMb: result.peakRssMb, measurements: result.measurements };
}

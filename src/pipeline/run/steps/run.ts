/**
 * Step 3, run: the stage's own code makes the outputs in staging. Where it runs is the one thing
 * the executors differ in (executors/executor.ts); this is how it runs wherever it does: in a
 * child process of its own (pinned to its share of the cores, reporting progress over IPC). The
 * local executor calls it here, a queue worker on its machine.
 */
import path from 'node:path';
import type { Reporter } from '../../events.ts';
import type { PlannedInstance } from '../../plan/plan.ts';
import { missingOuts } from '../promote.ts';
import type { Staging } from './staging.ts';
import type { Measurements } from '../../stage.ts';

export interface RunPlace {
  root: string;
  /** Survives failed and interrupted runs (checkpoints); removed by commit. */
  scratch: string;
  threads: number;
  cores: number[] | undefined;
}

/** What the stage's process reports besides its outputs. */
export interface RunResult {
  peakRssMb: number;
  /** What the stage measured of its run (ctx.measure), for the lock's run record. */
  measurements?: Measurements;
}

/** Runs one instance's stage code in a child process here (the local executor's and a queue worker's run). */
export async function runStage(inst: PlannedInstance, staging: Staging, place: RunPlace, reporter: Reporter, signal: AbortSignal): Promise<RunResult> {
  // Loaded at the first stage that runs: an up-to-date run never loads execa's side of node
  // (child_process, readline).
  const { runInChild } = await import('../../child/spawn.ts');
  const result = await runInChild(
    {
      type: 'job',
      module: inst.module,
      root: place.root,
      instance: inst.instance,
      item: inst.item,
      deps: inst.deps.map((d) => path.join(place.root, d)),
      outs: staging.outs.map((o) => o.temp),
      declaredDeps: inst.deps,
      declaredOuts: inst.outs,
      names: inst.names,
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

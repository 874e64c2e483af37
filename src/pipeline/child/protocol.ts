/** Messages between the runner and a stage's child process (over execa's IPC channel). */
import type { Failure } from '../failure.ts';
import type { DeclaredNames, Measurements, ProgressUpdate } from '../stage.ts';

export interface ChildJob {
  type: 'job';
  module: string;
  root: string;
  instance: string | undefined;
  /** The instance's item (validated again by the stage's schema in the child). */
  item: unknown;
  /** Absolute paths, in declared order: where to read the deps and write the outs. */
  deps: string[];
  outs: string[];
  /** The same, project-relative as declared (after `${...}`): what ctx.dep()/ctx.out() take. */
  declaredDeps: string[];
  declaredOuts: string[];
  /** Names of deps and outs declared as mappings in pipeline.yaml. */
  names?: DeclaredNames;
  scratch: string;
  threads: number;
}

export type ParentMessage = ChildJob | { type: 'abort' };

export type ChildMessage =
  | { type: 'progress'; update: ProgressUpdate }
  | { type: 'log'; line: string }
  | { type: 'done'; peakRssKb: number; measurements: Measurements }
  | { type: 'failed'; failure: Failure; peakRssKb: number };

/** Messages between the runner and a stage's child process (over execa's IPC channel). */
import type { Problem } from './errors.ts';
import type { Measurements, ProgressUpdate } from './stage.ts';

export interface ChildJob {
  type: 'job';
  module: string;
  root: string;
  instance: string | undefined;
  params: unknown;
  deps: string[];
  outs: string[];
  declaredOuts: string[];
  scratch: string;
  threads: number;
}

export type ParentMessage = ChildJob | { type: 'abort' };

export type ChildMessage =
  | { type: 'progress'; update: ProgressUpdate }
  | { type: 'log'; line: string }
  | { type: 'done'; peakRssKb: number; measurements: Measurements }
  | { type: 'failed'; userProblems?: Problem[]; message: string; stack?: string; peakRssKb: number };

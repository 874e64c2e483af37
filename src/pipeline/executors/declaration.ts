/**
 * What an executor declares to the rest of the engine, so that adding one is its own folder and
 * one line in registry.ts: its name (for --executor and `executor:`), the options of `pipeline
 * run` it reads, its section of .pipeline/config.yaml (and of pipeline.yaml, where a section may
 * be committed), the keys it reads from a stage's `resources:`, and how it is made for a run.
 *
 * A declaration is read at every command's start (the command table takes the names and options
 * from it), so it holds no zod: its schemas come from `settings()`, loaded when a file is read.
 */
import type { z } from 'zod';
import type { OptionSpec, OptionValues } from '../cli/command-table.ts';
import type { Hasher } from '../plan/fingerprint.ts';
import type { Plan } from '../plan/plan.ts';
import type { StageExecutor } from './executor.ts';

export interface ExecutorSettings {
  /** The executor's section (`slurm:`), checked where it is written, each problem located. */
  section: z.ZodType;
  /** The keys this executor reads from a stage's `resources:` in pipeline.yaml. */
  stageResources?: z.ZodObject;
}

export interface ExecutorDeclaration {
  /** The word of --executor and of `executor:` in .pipeline/config.yaml. */
  readonly name: string;
  /** Where it runs stale instances, for --executor's help: "on queue workers". */
  readonly where: string;
  /** Options of `pipeline run` only this executor reads (the queue's --redis): the command table adds them. */
  readonly flags?: Readonly<Record<string, OptionSpec>>;
  /**
   * May pipeline.yaml hold its section (committed, the same for every clone)? Not for settings
   * that belong to one machine (a Redis URL with its password).
   */
  readonly inPipelineFile?: boolean;
  /** Its schemas, loaded on demand. */
  readonly settings?: () => Promise<ExecutorSettings>;
  /** Makes the executor for one run, or throws a UserError (one line, exit 2). Undefined: the engine's own local executor. */
  open(ctx: OpenContext): Promise<StageExecutor | undefined>;
}

export interface OpenContext {
  projectRoot: string;
  plan: Plan;
  hasher: Hasher;
  /** Its section as each file gives it, already checked by its schema; absent ones undefined. */
  sections: { project: unknown; local: unknown };
  /** Each stage's `resources:` from pipeline.yaml (checked), by stage name; stages without one are absent. */
  stageResources: Record<string, unknown>;
  /** The run's options: its own flags, --force, --remote-name, --set... */
  values: OptionValues;
  /** The profile the plan was made for (workers and jobs plan the same way). */
  profile: string | undefined;
}

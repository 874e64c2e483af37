import type { z } from 'zod';

/** One progress update from a running stage; the reporter shows the latest one on the stage's line. */
export interface ProgressUpdate {
  /** What the stage is doing now ("epoch 3/10", "downloading train-images"). */
  step?: string;
  current?: number;
  total?: number;
  /** Unit of current/total ("bytes", "images", "batches"); bytes are shown human-readable. */
  unit?: string;
  /** Free text appended to the line ("loss 0.31"). */
  message?: string;
}

export interface StageContext<P> {
  /** Params from configs/, validated by the stage's schema (for a matrix instance: its own item). */
  params: P;
  /** The matrix instance id (`train@<id>`), or undefined for a plain stage. */
  instance: string | undefined;
  /** Absolute project root. */
  root: string;
  /** Absolute paths of the declared deps, in declared order (read them; never write them). */
  deps: string[];
  /**
   * The absolute path of one declared dep, by its path as written in pipeline.yaml (after ${id}).
   * Stages read deps by name, so reordering `deps:` in pipeline.yaml cannot swap their inputs.
   */
  dep(declared: string): string;
  /**
   * Absolute paths where the declared outs must be written, in declared order. They lie in a
   * temporary directory: the runner moves them into place only when run() resolves.
   */
  outs: string[];
  /** The temporary path of one declared out, by its path as written in pipeline.yaml (after ${id}). */
  out(declared: string): string;
  /**
   * A directory that survives failed and interrupted runs of this stage instance (checkpoints,
   * partial downloads). It is deleted after the instance completes.
   */
  scratch: string;
  progress(update: ProgressUpdate): void;
  log(line: string): void;
  /** Aborted on Ctrl-C (the runner then stops the process); long loops should check it. */
  signal: AbortSignal;
  /** Cores this instance may use (--jobs spreads the machine's cores over running instances). */
  threads: number;
  /**
   * Records measurements of this run (wall seconds, images per second) in the lock's run record,
   * beside the runner's own. Outputs must not contain them: the same inputs must give the same
   * bytes, or every re-run would make the stages downstream stale. A later call adds to or
   * replaces earlier values.
   */
  measure(values: Measurements): void;
}

/** Named numbers describing one run of an instance (not its result): seconds, rates, counts. */
export type Measurements = Record<string, number>;

/** A matrix stage turns the config values named by `foreach:` into one instance per item. */
export interface MatrixDefinition<M extends z.ZodType> {
  /** Schema of the selected config values (the object built from the `foreach:` key paths). */
  input: M;
  /** Items with stable ids; an item becomes that instance's params. Ids must be unique. */
  instances(input: z.infer<M>): Array<{ id: string; params: unknown }>;
}

export interface StageDefinition<S extends z.ZodType, M extends z.ZodType = z.ZodType> {
  description: string;
  /** Schema of the params object (built from the `params:` key paths, or a matrix item). */
  params: S;
  matrix?: MatrixDefinition<M>;
  run(ctx: StageContext<z.infer<S>>): Promise<void>;
}

export type AnyStage = StageDefinition<z.ZodType, z.ZodType>;

/** Identity at runtime; it exists so that params types are inferred from the zod schema. */
export function defineStage<S extends z.ZodType, M extends z.ZodType = z.ZodType>(def: StageDefinition<S, M>): StageDefinition<S, M> {
  return def;
}

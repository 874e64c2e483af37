import path from 'node:path';
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

/**
 * What a long computation needs from the engine while it runs, in one value: a stage hands
 * `ctx.runtime` on whole (`runTraining({ ..., ...ctx.runtime })`) instead of copying six fields.
 */
export interface StageRuntime {
  /**
   * A directory that survives failed and interrupted runs of this stage instance (checkpoints,
   * partial downloads). It is deleted after the instance completes.
   */
  scratch: string;
  /** Cores this instance may use (--jobs spreads the machine's cores over running instances). */
  threads: number;
  /** Aborted on Ctrl-C (the runner then stops the process); long loops should check it. */
  signal: AbortSignal;
  progress(update: ProgressUpdate): void;
  log(line: string): void;
  /**
   * Records measurements of this run (wall seconds, images per second) in the lock's run record,
   * beside the runner's own. Outputs must not contain them: the same inputs must give the same
   * bytes, or every re-run would make the stages downstream stale. A later call adds to or
   * replaces earlier values.
   */
  measure(values: Measurements): void;
}

export interface StageContext<I> extends StageRuntime {
  /**
   * This instance's item, validated by the stage's `item` schema: for a plain stage the object
   * of the config keys pipeline.yaml's `reads:` names ({ dataset: ... }), for a matrix instance
   * the item its matrix made for it.
   */
  item: I;
  /** @deprecated The old name of `item`, read until the next release (planning prints where it is used). */
  readonly params: I;
  /** The matrix instance id (`train@<id>`), or undefined for a plain stage. */
  instance: string | undefined;
  /** Absolute project root. */
  root: string;
  /** Absolute paths of the declared deps, in declared order (read them; never write them). */
  deps: string[];
  /**
   * The absolute path of one declared dep: by its name when pipeline.yaml's `deps:` is a mapping
   * (`ctx.dep('previous')`), or by its path as written (after `${...}`) when it is a list. Stages
   * read deps by name, so reordering `deps:` cannot swap their inputs.
   */
  dep(name: string): string;
  /**
   * Absolute paths where the declared outs must be written, in declared order. They lie in a
   * temporary directory: the runner moves them into place only when run() resolves.
   */
  outs: string[];
  /** The temporary path of one declared out, by name (a mapping) or by its path as written (a list). */
  out(name: string): string;
  /** The runtime fields above in one value, to pass on to a long computation whole. */
  runtime: StageRuntime;
}

/** Named numbers describing one run of an instance (not its result): seconds, rates, counts. */
export type Measurements = Record<string, number>;

/** A matrix stage turns the config values named by `foreach:` into one instance per item. */
export interface MatrixDefinition<M extends z.ZodType> {
  /** Schema of the selected config values (the object built from the `foreach:` key paths). */
  input: M;
  /** Items with stable ids; each becomes its instance's `ctx.item`. Ids must be unique. */
  instances(input: z.infer<M>): Array<{ id: string; item: unknown }>;
}

/** What a stage module default-exports: its item's schema, an optional matrix, and run(). */
export interface StageDefinition<S extends z.ZodType, M extends z.ZodType = z.ZodType> {
  description: string;
  /** Schema of the item (the object of the `reads:` key paths, or a matrix item). */
  item: S;
  matrix?: MatrixDefinition<M>;
  run(ctx: StageContext<z.infer<S>>): Promise<void>;
}

/**
 * The old spelling, read until the next release: `params` for the item's schema, and matrix
 * items `{ id, params }`. Planning prints a deprecation line naming the module.
 */
export interface OldStageDefinition<S extends z.ZodType, M extends z.ZodType = z.ZodType> {
  description: string;
  params: S;
  matrix?: { input: M; instances(input: z.infer<M>): Array<{ id: string; params: unknown }> };
  run(ctx: StageContext<z.infer<S>>): Promise<void>;
}

export type AnyStage = StageDefinition<z.ZodType, z.ZodType>;

/** Identity at runtime; it exists so that item types are inferred from the zod schema. */
export function defineStage<S extends z.ZodType, M extends z.ZodType = z.ZodType>(def: StageDefinition<S, M>): StageDefinition<S, M>;
/** @deprecated `params` is the old name of `item` (read until the next release). */
export function defineStage<S extends z.ZodType, M extends z.ZodType = z.ZodType>(def: OldStageDefinition<S, M>): StageDefinition<S, M>;
export function defineStage(def: AnyStage | OldStageDefinition<z.ZodType, z.ZodType>): AnyStage | OldStageDefinition<z.ZodType, z.ZodType> {
  return def;
}

/** A stage's item schema under either spelling (`params` is the old one). */
export function itemSchema(stage: AnyStage): z.ZodType {
  return stage.item ?? (stage as unknown as OldStageDefinition<z.ZodType>).params;
}

/** Whether a loaded stage module still spells its item schema `params`. */
export function usesOldSpelling(stage: AnyStage): boolean {
  return stage.item === undefined && 'params' in stage;
}

/** A matrix item under either spelling. */
export function itemOf(entry: { id: string; item?: unknown; params?: unknown }): unknown {
  return 'item' in entry ? entry.item : entry.params;
}

/** How an instance's declared deps and outs are named: name -> project-relative path. */
export interface DeclaredNames {
  deps?: Record<string, string>;
  outs?: Record<string, string>;
}

/** What the engine knows of one instance when it builds the context its stage runs with. */
export interface ContextInput<I> {
  item: I;
  instance: string | undefined;
  root: string;
  /** Project-relative, in declared order. */
  declaredDeps: string[];
  declaredOuts: string[];
  /** Absolute paths to read the deps at and to write the outs to, in declared order. */
  deps: string[];
  outs: string[];
  names: DeclaredNames | undefined;
  runtime: StageRuntime;
}

/**
 * The one place a StageContext is made: the stage's child process, `pipeline verify` and a
 * stage's unit tests all call it, so `ctx.dep()` resolves names the same way everywhere.
 */
export function createStageContext<I>(c: ContextInput<I>): StageContext<I> {
  const lookup = (kind: 'dep' | 'out', name: string): string => {
    const declared = kind === 'dep' ? c.declaredDeps : c.declaredOuts;
    const actual = kind === 'dep' ? c.deps : c.outs;
    const named = c.names?.[kind === 'dep' ? 'deps' : 'outs'];
    const byName = named?.[name];
    const i = declared.indexOf(byName ?? path.posix.normalize(name).replace(/\/+$/, ''));
    if (i >= 0) return actual[i]!;
    const known = named ? Object.keys(named) : declared;
    throw new Error(`"${name}" is not a declared ${kind} of this stage (declared: ${known.join(', ') || 'none'})`);
  };
  return {
    item: c.item,
    params: c.item,
    instance: c.instance,
    root: c.root,
    deps: c.deps,
    outs: c.outs,
    dep: (name) => lookup('dep', name),
    out: (name) => lookup('out', name),
    ...c.runtime,
    runtime: c.runtime,
  };
}
